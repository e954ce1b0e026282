//! Word-at-a-time scanning of JSON text: finding where a run of plain string characters ends.
//!
//! The guest's byte loops run as interpreted-size wasm under fuel, where a loop step costs
//! about as much per byte as the whole word test below costs per eight bytes. Requests are
//! mostly string contents (community code, labels), so the scans that cross them — the nesting
//! depth check, the list rewriting and the request parser — test eight bytes at a time.

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

/// Index (from `from`) of the first byte of `text` that is `"`, `{`, `}`, `[` or `]`, or
/// `text.len()`.
fn quote_or_bracket(text: &[u8], from: usize) -> usize {
    // `[` and `]` are `{` and `}` without the 0x20 bit; no other byte becomes either.
    const CASE: u64 = ONES * 0x20;
    let mut i = from;
    while let Some(chunk) = text.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let folded = word | CASE;
        let found = bytes_equal(word, b'"') | bytes_equal(folded, b'{') | bytes_equal(folded, b'}');
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < text.len() && !matches!(text[i], b'"' | b'{' | b'}' | b'[' | b']') {
        i += 1;
    }
    i
}

/// Index just past the object or array that opens at `start` (its brackets matched, strings
/// skipped), or `None` when the text ends first. What is between is not checked: for JSON
/// text the end found is that value's end.
pub fn container_end(text: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        i = quote_or_bracket(text, i);
        match *text.get(i)? {
            b'"' => i = string_end(text, i + 1)?,
            b'{' | b'[' => depth += 1,
            _ => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        }
        i += 1;
    }
}
