//! The executor's JSON parser for request text: the value QuickJS's `JSON.parse` builds, with
//! less work.
//!
//! `JSON.parse` spends most of a request's fuel in its tokenizer, which builds every string
//! through a growing buffer, one allocation and one shrinking reallocation per string, and
//! turns every key into a string before finding its atom. This parser scans the UTF-8 text in
//! Rust (iteratively, with an explicit stack) and builds the same values through the same
//! public QuickJS calls `JSON.parse` ends in: keys are found as atoms straight from the text
//! (`JS_NewAtomLen`), strings are made in one allocation (`JS_NewStringLen`), object members
//! are defined in order with `JS_DefinePropertyValue` (so repeated keys and `__proto__` behave
//! as in `JSON.parse`) and arrays are made whole (`JS_NewArrayFrom`).
//!
//! It takes a fast path only where it is sure the result is `JSON.parse`'s: strict JSON with
//! ASCII strings and ASCII escapes. A string with other characters or escapes, or a number, is
//! one token handed to QuickJS's own JSON parser (the same decoding, token by token). Anything
//! else — a syntax error, nesting deeper than [`MAX_DEPTH`], a byte this parser does not
//! expect — makes it hand the whole text to QuickJS's parser, exactly as `JSON.parse` does
//! (same file name), so errors, their messages and positions are `JSON.parse`'s own.
//!
//! `JSON.parse` first converts its argument back to UTF-8. The request of the call in progress
//! was made from UTF-8 text the guest still holds ([`with_request`]), so parsing that very
//! string reads the text as it is.
//!
//! Not used: `JS_NewObjectFrom`, which would build an object in one step, but in this
//! quickjs-ng resizes the object's initial shape in place, and that shape is shared by every
//! other empty object of the same prototype (the check is an assertion, compiled out here).
//!
//! Installed as the global [`PARSE_GLOBAL`] before the executor's top level, which takes and
//! deletes it (community code never sees it; it keeps the real `JSON.parse`).

use crate::scan;
use javy::quickjs::{qjs, String as JsString};
use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr};

/// The global the guest installs the parser under, for the executor to take.
pub const PARSE_GLOBAL: &CStr = c"__kiln_json_parse";

/// The file name `JSON.parse` gives QuickJS's parser (it shows in syntax errors).
const FILE_NAME: &CStr = c"<input>";

/// Deepest nesting parsed here; deeper text goes to QuickJS's parser, which decides (its
/// recursion has a stack limit of its own).
const MAX_DEPTH: usize = 1000;

/// `(text) → value`: what `JSON.parse(text)` answers, without a reviver (the executor never
/// passes one).
pub unsafe extern "C" fn parse(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let argument = crate::argument(argc, argv, 0);
    if let Some(bytes) = request_bytes(argument) {
        // The call's own request: its UTF-8 text is at hand, no conversion needed.
        let mut parser = Parser::new(ctx, bytes);
        if is_string(ctx, crate::argument(argc, argv, 1), DEFER_FUNCTION)
            && crate::function::cache_present()
        {
            parser.deferral = Some(Deferral::default());
        }
        return match parser.run() {
            Ok(value) => value,
            Err(Stop::Exception) => qjs::JS_EXCEPTION,
            Err(Stop::Unsure) => converted(ctx, argument, false),
        };
    }
    converted(ctx, argument, true)
}

/// The second argument that asks the parser to defer the call's function definition
/// ([`Deferral`]); `JSON.parse` ignores a second argument that is not a function.
const DEFER_FUNCTION: &[u8] = b"kiln:defer-function";

/// Whether `value` is the string `expected` (ASCII).
unsafe fn is_string(ctx: *mut qjs::JSContext, value: qjs::JSValue, expected: &[u8]) -> bool {
    if !qjs::JS_IsString(value) {
        return false;
    }
    crate::with_utf8(ctx, value, |text| text == expected).unwrap_or_else(|| {
        crate::discard_exception(ctx);
        false
    })
}

/// Parses `text` (a part of the request: the deferred function definition) as JSON.parse
/// would: the fast path, else QuickJS's parser on a NUL-terminated copy.
pub unsafe fn parse_part(ctx: *mut qjs::JSContext, text: &[u8]) -> qjs::JSValue {
    match Parser::new(ctx, text).run() {
        Ok(value) => value,
        Err(Stop::Exception) => qjs::JS_EXCEPTION,
        Err(Stop::Unsure) => {
            let mut copy = Vec::with_capacity(text.len() + 1);
            copy.extend_from_slice(text);
            copy.push(0);
            qjs::JS_ParseJSON(
                ctx,
                copy.as_ptr().cast(),
                text.len() as _,
                FILE_NAME.as_ptr(),
            )
        }
    }
}

/// Parses `argument` converted as JSON.parse converts it (ToString, then UTF-8,
/// NUL-terminated): with the fast path when `fast`, else with QuickJS's parser only.
unsafe fn converted(ctx: *mut qjs::JSContext, argument: qjs::JSValue, fast: bool) -> qjs::JSValue {
    let mut len = 0;
    let text = qjs::JS_ToCStringLen2(ctx, &mut len, argument, false);
    if text.is_null() {
        return qjs::JS_EXCEPTION;
    }
    let bytes = std::slice::from_raw_parts(text.cast::<u8>(), len as usize);
    let outcome = if fast {
        Parser::new(ctx, bytes).run()
    } else {
        Err(Stop::Unsure)
    };
    let result = match outcome {
        Ok(value) => value,
        Err(Stop::Exception) => qjs::JS_EXCEPTION,
        Err(Stop::Unsure) => qjs::JS_ParseJSON(ctx, text, len, FILE_NAME.as_ptr()),
    };
    qjs::JS_FreeCString(ctx, text);
    result
}

thread_local! {
    /// The request of the call in progress ([`with_request`]): the address of its JS string
    /// and its UTF-8 text.
    static REQUEST: Cell<Option<(usize, *const u8, usize)>> = const { Cell::new(None) };
}

/// Runs `call` with `text` known as the request: parsing that very string reads `bytes`, the
/// UTF-8 text it was made from, instead of converting it back. A JS string never changes and
/// `text` is held for the whole of `call`, so no other string can have its address then.
pub fn with_request<R>(text: &JsString<'_>, bytes: &str, call: impl FnOnce() -> R) -> R {
    // SAFETY: `text` is a live string value; only its address is read.
    let address = unsafe { qjs::JS_VALUE_GET_PTR(text.as_raw()) } as usize;
    REQUEST.with(|request| request.set(Some((address, bytes.as_ptr(), bytes.len()))));
    crate::function::reset();
    let result = call();
    crate::function::reset();
    REQUEST.with(|request| request.set(None));
    result
}

/// The UTF-8 text of the call's request, while [`with_request`] runs.
pub fn request_text<'a>() -> Option<&'a [u8]> {
    let (_, bytes, len) = REQUEST.with(Cell::get)?;
    // SAFETY: the text outlives `with_request`, the only time it is known here.
    Some(unsafe { std::slice::from_raw_parts(bytes, len) })
}

/// The request's UTF-8 text when `value` is the request's own string.
unsafe fn request_bytes<'a>(value: qjs::JSValue) -> Option<&'a [u8]> {
    if !qjs::JS_IsString(value) {
        return None;
    }
    let address = qjs::JS_VALUE_GET_PTR(value) as usize;
    let (known, bytes, len) = REQUEST.with(Cell::get)?;
    (known == address).then(|| std::slice::from_raw_parts(bytes, len))
}

/// Why the fast path stopped.
enum Stop {
    /// QuickJS threw (out of memory): the exception is pending.
    Exception,
    /// The text is not JSON this parser is sure of: QuickJS's parser decides.
    Unsure,
}

type Step<T> = Result<T, Stop>;

/// An open array or object: where its values start on the value stack (an object's keys are
/// as many, last on the key stack).
#[derive(Clone, Copy)]
enum Frame {
    Array { values: usize },
    Object { values: usize },
}

struct Parser<'a> {
    ctx: *mut qjs::JSContext,
    text: &'a [u8],
    pos: usize,
    frames: Vec<Frame>,
    /// Values of the open containers, each container's after its parent's.
    values: Vec<qjs::JSValue>,
    /// Keys of the open objects (one per value of an object, pushed before it).
    keys: Vec<qjs::JSAtom>,
    /// A string's decoded bytes, or a token copied with a NUL for QuickJS's parser.
    scratch: Vec<u8>,
    /// Set when the call's function definition is to be deferred.
    deferral: Option<Deferral>,
}

/// The member names a deferral looks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    Z7K1,
    Z1K1,
    Zobject,
    Other,
}

impl Name {
    fn of(key: &[u8]) -> Self {
        match key {
            b"Z7K1" => Name::Z7K1,
            b"Z1K1" => Name::Z1K1,
            b"zobject" => Name::Zobject,
            _ => Name::Other,
        }
    }
}

/// Where the call's function definition is: the request's `Z7K1`, or its `zobject`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
    Root,
    Zobject,
}

/// The deferral of the call's function definition: the object value of the request's own
/// `Z7K1` member (or of its `zobject` member's `Z7K1` when the request has neither `Z1K1` nor
/// `Z7K1`, as the executor reads an envelope) is skipped, not built: the member is defined
/// as `null` and the text's span is kept ([`crate::function`]) for the executor to have it
/// looked up or parsed. The skipped text is a JSON value exactly when the whole text is JSON,
/// so nothing about the parse changes but when that part is built. Anything ambiguous — a
/// repeated key among these, both places at once — makes the parser give up (QuickJS's
/// parser builds everything, nothing is deferred).
#[derive(Default)]
struct Deferral {
    /// The members of the root named `Z7K1`, `zobject` and `Z1K1` so far.
    root_z7k1: u32,
    root_zobject: u32,
    root_z1k1: u32,
    /// The `Z7K1` members inside the root's `zobject` object.
    zobject_z7k1: u32,
    /// Whether the root member being parsed is `zobject`.
    in_zobject: bool,
    /// The next value is the one to skip.
    pending: Option<Holder>,
    /// The span skipped, and where.
    span: Option<(usize, usize, Holder)>,
}
impl Drop for Parser<'_> {
    /// Frees what a stopped parse still holds.
    fn drop(&mut self) {
        // SAFETY: every value and atom on the stacks is owned by the parser, in a live context.
        unsafe {
            for value in self.values.drain(..) {
                qjs::JS_FreeValue(self.ctx, value);
            }
            for key in self.keys.drain(..) {
                qjs::JS_FreeAtom(self.ctx, key);
            }
        }
    }
}

impl<'a> Parser<'a> {
    fn new(ctx: *mut qjs::JSContext, text: &'a [u8]) -> Self {
        Parser {
            ctx,
            text,
            pos: 0,
            // Room for a typical request without growing.
            frames: Vec::with_capacity(16),
            values: Vec::with_capacity(32),
            keys: Vec::with_capacity(32),
            scratch: Vec::new(),
            deferral: None,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after whitespace) or stops.
    fn expect(&mut self, byte: u8) -> Step<()> {
        self.skip_whitespace();
        if self.peek() != Some(byte) {
            return Err(Stop::Unsure);
        }
        self.pos += 1;
        Ok(())
    }

    /// The whole text's value.
    unsafe fn run(mut self) -> Step<qjs::JSValue> {
        'value: loop {
            self.skip_whitespace();
            let pending = self.deferral.as_mut().and_then(|d| d.pending.take());
            let mut value = match self.peek() {
                Some(b'{') if pending.is_some() => self.skip_deferred(pending)?,
                Some(b'{') => {
                    self.pos += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        self.object(0)?
                    } else {
                        self.open(Frame::Object {
                            values: self.values.len(),
                        })?;
                        self.key()?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.array(0)?
                    } else {
                        self.open(Frame::Array {
                            values: self.values.len(),
                        })?;
                        continue 'value;
                    }
                }
                Some(b'"') => self.string()?,
                Some(b't') => self.literal(b"true", qjs::JS_TRUE)?,
                Some(b'f') => self.literal(b"false", qjs::JS_FALSE)?,
                Some(b'n') => self.literal(b"null", qjs::JS_NULL)?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return Err(Stop::Unsure),
            };
            // A value is complete: it joins its container, which may complete in turn.
            loop {
                let Some(&frame) = self.frames.last() else {
                    self.skip_whitespace();
                    if self.pos != self.text.len() || !self.deferral_holds() {
                        qjs::JS_FreeValue(self.ctx, value);
                        return Err(Stop::Unsure);
                    }
                    if let Some((start, end, _)) = self.deferral.as_ref().and_then(|d| d.span) {
                        crate::function::deferred(start, end);
                    }
                    return Ok(value);
                };
                self.values.push(value);
                self.skip_whitespace();
                let (close, start) = match frame {
                    Frame::Array { values } => (b']', values),
                    Frame::Object { values, .. } => (b'}', values),
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if let Frame::Object { .. } = frame {
                            self.key()?;
                        }
                        continue 'value;
                    }
                    Some(byte) if byte == close => {
                        self.pos += 1;
                        self.frames.pop();
                        let count = self.values.len() - start;
                        value = match frame {
                            Frame::Array { .. } => self.array(count)?,
                            Frame::Object { .. } => self.object(count)?,
                        };
                    }
                    _ => return Err(Stop::Unsure),
                }
            }
        }
    }

    /// Skips the deferred value at the cursor (an object) and answers the `null` its member
    /// is defined with; a second value to defer makes the parser give up.
    fn skip_deferred(&mut self, holder: Option<Holder>) -> Step<qjs::JSValue> {
        let (Some(deferral), Some(holder)) = (self.deferral.as_mut(), holder) else {
            return Err(Stop::Unsure);
        };
        if deferral.span.is_some() {
            return Err(Stop::Unsure);
        }
        // The host reads where the definition ends; where it cannot, the text is no JSON
        // there: QuickJS's parser decides.
        let start = self.pos;
        let end = start + crate::function::locate(&self.text[start..]).ok_or(Stop::Unsure)?;
        deferral.span = Some((start, end, holder));
        self.pos = end;
        Ok(qjs::JS_NULL)
    }

    /// Notes a member key (its bytes, decoded) for the deferral, and whether its value, when
    /// it is an object, is the one to defer.
    fn note_key(&mut self, key: Name) {
        let depth = self.frames.len();
        let zobject_member = depth == 2
            && matches!(self.frames[0], Frame::Object { .. })
            && matches!(self.frames[1], Frame::Object { .. });
        let Some(deferral) = self.deferral.as_mut() else {
            return;
        };
        let holder = match (depth, key) {
            (1, Name::Z7K1) => {
                deferral.root_z7k1 += 1;
                Some(Holder::Root)
            }
            (1, _) => {
                deferral.in_zobject = key == Name::Zobject;
                deferral.root_zobject += u32::from(deferral.in_zobject);
                deferral.root_z1k1 += u32::from(key == Name::Z1K1);
                None
            }
            (2, Name::Z7K1) if zobject_member && deferral.in_zobject => {
                deferral.zobject_z7k1 += 1;
                Some(Holder::Zobject)
            }
            _ => None,
        };
        if holder.is_some() && self.text.get(self.pos).is_some() {
            let mut i = self.pos;
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(i) {
                i += 1;
            }
            if self.text.get(i) == Some(&b'{') {
                deferral.pending = holder;
            }
        }
    }

    /// Whether a deferral (if any) is unambiguous: the one member of its name where the
    /// executor reads the function definition.
    fn deferral_holds(&self) -> bool {
        let Some(deferral) = &self.deferral else {
            return true;
        };
        match deferral.span {
            None => true,
            Some((_, _, Holder::Root)) => deferral.root_z7k1 == 1,
            Some((_, _, Holder::Zobject)) => {
                deferral.zobject_z7k1 == 1
                    && deferral.root_zobject == 1
                    && deferral.root_z7k1 == 0
                    && deferral.root_z1k1 == 0
            }
        }
    }

    fn open(&mut self, frame: Frame) -> Step<()> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(Stop::Unsure);
        }
        self.frames.push(frame);
        Ok(())
    }

    /// An object of the last `count` keys and values, defined in order as `JSON.parse` does.
    unsafe fn object(&mut self, count: usize) -> Step<qjs::JSValue> {
        let object = qjs::JS_NewObject(self.ctx);
        if qjs::JS_IsException(object) {
            return Err(Stop::Exception);
        }
        let values = self.values.len() - count;
        let keys = self.keys.len() - count;
        let mut failed = false;
        for (key, value) in self.keys.drain(keys..).zip(self.values.drain(values..)) {
            // Takes the value, even when it fails.
            if !failed
                && qjs::JS_DefinePropertyValue(
                    self.ctx,
                    object,
                    key,
                    value,
                    qjs::JS_PROP_C_W_E as c_int,
                ) < 0
            {
                failed = true;
            } else if failed {
                qjs::JS_FreeValue(self.ctx, value);
            }
            qjs::JS_FreeAtom(self.ctx, key);
        }
        if failed {
            qjs::JS_FreeValue(self.ctx, object);
            return Err(Stop::Exception);
        }
        Ok(object)
    }

    /// An array of the last `count` values.
    unsafe fn array(&mut self, count: usize) -> Step<qjs::JSValue> {
        let start = self.values.len() - count;
        let Ok(length) = c_int::try_from(count) else {
            return Err(Stop::Unsure);
        };
        let array = if count == 0 {
            qjs::JS_NewArray(self.ctx)
        } else {
            // Takes the values, even when it fails.
            let array = qjs::JS_NewArrayFrom(self.ctx, length, self.values.as_ptr().add(start));
            self.values.set_len(start);
            array
        };
        if qjs::JS_IsException(array) {
            return Err(Stop::Exception);
        }
        Ok(array)
    }

    /// A member's key and its colon; the key's atom goes on the key stack.
    unsafe fn key(&mut self) -> Step<()> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(Stop::Unsure);
        }
        let token = self.string_token()?;
        let atom = match token {
            Token::Ascii(start, end) => {
                let bytes = &self.text[start..end];
                qjs::JS_NewAtomLen(self.ctx, bytes.as_ptr().cast(), bytes.len() as _)
            }
            Token::Decoded => qjs::JS_NewAtomLen(
                self.ctx,
                self.scratch.as_ptr().cast(),
                self.scratch.len() as _,
            ),
            Token::Other(start, end) => {
                let string = self.quickjs_token(start, end)?;
                let atom = qjs::JS_ValueToAtom(self.ctx, string);
                qjs::JS_FreeValue(self.ctx, string);
                atom
            }
        };
        if atom == qjs::JS_ATOM_NULL {
            return Err(Stop::Exception);
        }
        self.keys.push(atom);
        self.expect(b':')?;
        if self.deferral.is_some() && self.frames.len() <= 2 {
            // Keys that are not ASCII (Other) are none of the names a deferral looks for.
            let name = match token {
                Token::Ascii(start, end) => Name::of(&self.text[start..end]),
                Token::Decoded => Name::of(&self.scratch),
                Token::Other(..) => Name::Other,
            };
            self.note_key(name);
        }
        Ok(())
    }

    /// A string value.
    unsafe fn string(&mut self) -> Step<qjs::JSValue> {
        let value = match self.string_token()? {
            Token::Ascii(start, end) => {
                let bytes = &self.text[start..end];
                qjs::JS_NewStringLen(self.ctx, bytes.as_ptr().cast::<c_char>(), bytes.len() as _)
            }
            Token::Decoded => qjs::JS_NewStringLen(
                self.ctx,
                self.scratch.as_ptr().cast::<c_char>(),
                self.scratch.len() as _,
            ),
            Token::Other(start, end) => return self.quickjs_token(start, end),
        };
        if qjs::JS_IsException(value) {
            return Err(Stop::Exception);
        }
        Ok(value)
    }

    /// Scans the string token at the cursor (its opening quote) and moves past it. An ASCII
    /// token with escapes that all stand for ASCII characters is decoded into `scratch`.
    fn string_token(&mut self) -> Step<Token> {
        let start = self.pos;
        let text = self.text;
        let mut i = scan::plain_ascii_end(text, start + 1);
        match text.get(i) {
            // The common case: no escape.
            Some(b'"') => {
                self.pos = i + 1;
                return Ok(Token::Ascii(start + 1, i));
            }
            Some(b'\\') => {}
            Some(&byte) if byte >= 0x80 => return self.other_token(start, i),
            _ => return Err(Stop::Unsure),
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&text[start + 1..i]);
        loop {
            match text.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Token::Decoded);
                }
                Some(b'\\') => {
                    let decoded = match text.get(i + 1) {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0c,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => match text.get(i + 2..i + 6).and_then(hex4) {
                            Some(unit) if unit < 0x80 => {
                                i += 4;
                                unit as u8
                            }
                            _ => return self.other_token(start, i),
                        },
                        _ => return Err(Stop::Unsure),
                    };
                    self.scratch.push(decoded);
                    i += 2;
                    let end = scan::plain_ascii_end(text, i);
                    self.scratch.extend_from_slice(&text[i..end]);
                    i = end;
                }
                Some(&byte) if byte >= 0x80 => return self.other_token(start, i),
                _ => return Err(Stop::Unsure),
            }
        }
    }

    /// A string token (from its opening quote at `start`; `i` is inside it) for QuickJS's
    /// parser: finds its closing quote and moves past it.
    fn other_token(&mut self, start: usize, i: usize) -> Step<Token> {
        let end = scan::string_end(self.text, i).ok_or(Stop::Unsure)?;
        self.pos = end + 1;
        Ok(Token::Other(start, end + 1))
    }

    /// A number token: QuickJS's parser reads it (the same digits give the same value).
    unsafe fn number(&mut self) -> Step<qjs::JSValue> {
        let start = self.pos;
        let mut end = start;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.text.get(end) {
            end += 1;
        }
        self.pos = end;
        self.quickjs_token(start, end)
    }

    /// One token (text[start..end]) read by QuickJS's JSON parser, so its value is exactly
    /// `JSON.parse`'s; a token QuickJS refuses sends the whole text to it.
    unsafe fn quickjs_token(&mut self, start: usize, end: usize) -> Step<qjs::JSValue> {
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.text[start..end]);
        self.scratch.push(0);
        let value = qjs::JS_ParseJSON(
            self.ctx,
            self.scratch.as_ptr().cast(),
            (end - start) as _,
            FILE_NAME.as_ptr(),
        );
        if qjs::JS_IsException(value) {
            qjs::JS_FreeValue(self.ctx, qjs::JS_GetException(self.ctx));
            return Err(Stop::Unsure);
        }
        Ok(value)
    }

    /// `true`, `false` or `null`.
    fn literal(&mut self, word: &[u8], value: qjs::JSValue) -> Step<qjs::JSValue> {
        if !self.text[self.pos..].starts_with(word) {
            return Err(Stop::Unsure);
        }
        self.pos += word.len();
        Ok(value)
    }
}

/// Where a scanned string token's characters are.
#[derive(Clone, Copy)]
enum Token {
    /// ASCII without escapes: the text between its quotes.
    Ascii(usize, usize),
    /// ASCII with escapes of ASCII characters, decoded into `scratch`.
    Decoded,
    /// Anything else: the whole token, quotes included, for QuickJS's parser.
    Other(usize, usize),
}

/// The value of four hexadecimal digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |unit, &digit| {
        Some(unit * 16 + (digit as char).to_digit(16)?)
    })
}
