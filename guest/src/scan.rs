//! Scanning JSON text without parsing it: where a run of plain string characters ends (a
//! word at a time), and how deep containers nest (64 bytes at a time).
//!
//! The guest's byte loops run as interpreted-size wasm under fuel, where a loop step costs
//! about as much per byte as the whole word test below costs per eight bytes. Requests are
//! mostly string contents (community code, labels), so the scans that cross them — the list
//! rewriting and the request parser — test eight bytes at a time. Measuring nesting stops at
//! every quote and bracket, and a request is mostly short keys: that scan classifies 64-byte
//! blocks instead, one bit per byte (which bytes are quotes, backslashes, brackets), finds
//! the bytes inside strings with shifts and XORs of the masks, and looks at single brackets
//! only in a block where the depth may reach a new deepest level.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `word` that is zero (exact for the lowest such byte, which is
/// all the scans use).
#[inline(always)]
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// High bit set in each byte of `word` equal to `byte` (exact for the lowest such byte).
#[inline(always)]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ (ONES * byte as u64))
}

/// High bit set in each byte of `word` below 0x20 (exact for the lowest such byte when no
/// byte of `word` is 0x80 or more, which callers test too).
#[inline(always)]
fn control_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES * 0x20) & !word & HIGHS
}

/// Index of the quote that closes the JSON string whose contents start at `from` (escapes
/// skipped), or `None` when the text ends first.
pub fn string_end(text: &[u8], mut from: usize) -> Option<usize> {
    loop {
        from = quote_or_backslash(text, from);
        match text.get(from)? {
            b'"' => return Some(from),
            _ => from += 2,
        }
    }
}

/// Index (from `from`) of the first byte of `text` that is `"` or `\`, or `text.len()`.
fn quote_or_backslash(text: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = text.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = bytes_equal(word, b'"') | bytes_equal(word, b'\\');
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < text.len() && text[i] != b'"' && text[i] != b'\\' {
        i += 1;
    }
    i
}

/// Index (from `from`) of the first byte of `text` that is not a plain ASCII string character
/// (`"`, `\`, a control character below 0x20, or any byte of 0x80 or more), or `text.len()`.
pub fn plain_ascii_end(text: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = text.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = bytes_equal(word, b'"')
            | bytes_equal(word, b'\\')
            | control_bytes(word)
            | (word & HIGHS);
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < text.len() && is_plain_ascii(text[i]) {
        i += 1;
    }
    i
}

fn is_plain_ascii(byte: u8) -> bool {
    (0x20..0x80).contains(&byte) && byte != b'"' && byte != b'\\'
}

// --- 64-byte blocks ---------------------------------------------------------------------

/// Bytes per block: one bit of a mask each.
const BLOCK: usize = 64;

/// Where a block's structural bytes are (bit `i` for the block's byte `i`).
#[derive(Default)]
struct Masks {
    quotes: u64,
    backslashes: u64,
    /// `{` and `[`.
    opens: u64,
    /// `}` and `]`.
    closes: u64,
}

/// The masks of the 64 bytes at `text[at..]`, the bytes past the end read as spaces.
fn masks_at(text: &[u8], at: usize) -> Masks {
    match text.get(at..at + BLOCK) {
        Some(block) => block_masks(block.try_into().expect("a block")),
        None => {
            let mut block = [b' '; BLOCK];
            let rest = &text[at.min(text.len())..];
            block[..rest.len()].copy_from_slice(rest);
            block_masks(&block)
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn block_masks(block: &[u8; BLOCK]) -> Masks {
    // SAFETY: the guest's artifact requires SIMD already (QuickJS is compiled with it) and the
    // engine enables it.
    unsafe { block_masks_simd(block) }
}

/// Four 16-byte vectors, compared bytewise; a byte's bit is its comparison's high bit.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
unsafe fn block_masks_simd(block: &[u8; BLOCK]) -> Masks {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_load, v128_or};
    let mut masks = Masks::default();
    for part in 0..BLOCK / 16 {
        // SAFETY: 16 bytes within the block; wasm loads need no alignment.
        let bytes = unsafe { v128_load(block.as_ptr().add(part * 16).cast::<v128>()) };
        // `[` and `]` are `{` and `}` without the 0x20 bit; no other byte becomes either.
        let folded = v128_or(bytes, u8x16_splat(0x20));
        let bits = |vector| u64::from(u8x16_bitmask(vector)) << (part * 16);
        masks.quotes |= bits(u8x16_eq(bytes, u8x16_splat(b'"')));
        masks.backslashes |= bits(u8x16_eq(bytes, u8x16_splat(b'\\')));
        masks.opens |= bits(u8x16_eq(folded, u8x16_splat(b'{')));
        masks.closes |= bits(u8x16_eq(folded, u8x16_splat(b'}')));
    }
    masks
}

#[cfg(not(target_arch = "wasm32"))]
fn block_masks(block: &[u8; BLOCK]) -> Masks {
    let mut masks = Masks::default();
    for (i, byte) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match byte | 0x20 {
            b'{' => masks.opens |= bit,
            b'}' => masks.closes |= bit,
            _ => {}
        }
        match byte {
            b'"' => masks.quotes |= bit,
            b'\\' => masks.backslashes |= bit,
            _ => {}
        }
    }
    masks
}

/// Each bit of the result is the XOR of the bits of `bits` up to and including its own:
/// from a mask of the quotes that open and close strings, the bytes inside strings (an
/// opening quote included, a closing one not).
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

/// What carries from one block to the next: whether the block ended inside a string, and
/// whether its last byte is a backslash that escapes the next block's first byte.
#[derive(Default)]
struct Strings {
    /// All ones when the previous block ended inside a string.
    inside: u64,
    escapes_next: bool,
}

impl Strings {
    /// The brackets of the next block (`masks`) that are outside strings: (opens, closes).
    fn brackets(&mut self, masks: &Masks) -> (u64, u64) {
        let escaped = self.escaped(masks.backslashes);
        let inside = prefix_xor(masks.quotes & !escaped) ^ self.inside;
        self.inside = ((inside as i64) >> 63) as u64;
        (masks.opens & !inside, masks.closes & !inside)
    }

    /// The bytes a backslash escapes (a backslash escaped by the one before it escapes
    /// nothing). Backslashes are rare in a request's keys and labels: one step each.
    fn escaped(&mut self, backslashes: u64) -> u64 {
        let mut escaped = u64::from(self.escapes_next);
        let mut pending = backslashes & !escaped;
        self.escapes_next = false;
        while pending != 0 {
            let at = pending.trailing_zeros();
            if at == 63 {
                self.escapes_next = true;
                break;
            }
            let next = 1u64 << (at + 1);
            escaped |= next;
            pending &= !(1u64 << at) & !next;
        }
        escaped
    }
}

/// The deepest nesting of `[` and `{` in JSON text (outside strings; a close without an open
/// ignored), or `limit + 1` as soon as the nesting is deeper than `limit`.
pub fn nesting_depth(text: &[u8], limit: usize) -> usize {
    let mut strings = Strings::default();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut at = 0;
    while at < text.len() {
        let (opens, closes) = strings.brackets(&masks_at(text, at));
        let (open_count, close_count) = (opens.count_ones() as usize, closes.count_ones() as usize);
        if depth + open_count > deepest || close_count > depth {
            // A new deepest level, or more closes than opens (ignored): bracket by bracket.
            let mut brackets = opens | closes;
            while brackets != 0 {
                let bit = brackets & brackets.wrapping_neg();
                if opens & bit != 0 {
                    depth += 1;
                    if depth > deepest {
                        deepest = depth;
                        if deepest > limit {
                            return deepest;
                        }
                    }
                } else {
                    depth = depth.saturating_sub(1);
                }
                brackets ^= bit;
            }
        } else {
            depth = depth + open_count - close_count;
        }
        at += BLOCK;
    }
    deepest
}
