//! The normal form a Z46 type converter receives, made natively: what the executor's
//! `normalFormInJs` (executor-js/src/convert.js) makes, for a few thousand fuel a node
//! instead of about fifteen thousand.
//!
//! A converter gets a fresh normal-form copy of its argument: a string becomes a Z6 (or a
//! Z9 when it is a ZID), a canonical array `[type, item, ...]` a typed-list chain of
//! `{Z1K1: <list type>, K1: <item>, K2: <rest>}` nodes sharing one list-type object, and
//! every other object is copied key by key (its own string keys, in their order; the
//! strings of a Z6 or Z9 kept, a `Z1K1` that is a ZID made a reference). Every object made
//! has `Object.prototype` and its members defined (never assigned, so nothing community
//! code put on a prototype runs). The walk keeps its own work list, so nesting costs no
//! stack. Installed as the global [`NORMAL_FORM_GLOBAL`] before the executor's top level,
//! which takes and deletes it; the `lexical` trials check it against the JavaScript.

use javy::quickjs::qjs;
use std::cell::Cell;
use std::ffi::{c_int, CStr};

/// The global the guest installs the function under, for the executor to take.
pub const NORMAL_FORM_GLOBAL: &CStr = c"__kiln_normal_form";

/// The names the copies are made of, as atoms (made with the guest's functions, so a
/// snapshot holds them; kept for the instance's life: the runtime holds one reference to
/// each).
#[derive(Clone, Copy)]
struct Names {
    z1k1: qjs::JSAtom,
    z6k1: qjs::JSAtom,
    z9k1: qjs::JSAtom,
    z7k1: qjs::JSAtom,
    z881k1: qjs::JSAtom,
    k1: qjs::JSAtom,
    k2: qjs::JSAtom,
    length: qjs::JSAtom,
    z1: qjs::JSAtom,
    z6: qjs::JSAtom,
    z7: qjs::JSAtom,
    z9: qjs::JSAtom,
    z881: qjs::JSAtom,
}

thread_local! {
    static NAMES: Cell<Option<Names>> = const { Cell::new(None) };
}

/// Makes the names before the top level runs (for a snapshot: once, at build time).
///
/// # Safety
/// `ctx` must be a live context.
pub unsafe fn prepare(ctx: *mut qjs::JSContext) {
    names(ctx);
}

unsafe fn names(ctx: *mut qjs::JSContext) -> Names {
    if let Some(names) = NAMES.with(Cell::get) {
        return names;
    }
    let atom = |name: &CStr| qjs::JS_NewAtom(ctx, name.as_ptr());
    let names = Names {
        z1k1: atom(c"Z1K1"),
        z6k1: atom(c"Z6K1"),
        z9k1: atom(c"Z9K1"),
        z7k1: atom(c"Z7K1"),
        z881k1: atom(c"Z881K1"),
        k1: atom(c"K1"),
        k2: atom(c"K2"),
        length: atom(c"length"),
        z1: atom(c"Z1"),
        z6: atom(c"Z6"),
        z7: atom(c"Z7"),
        z9: atom(c"Z9"),
        z881: atom(c"Z881"),
    };
    NAMES.with(|cell| cell.set(Some(names)));
    names
}

/// `(value) → value`: the normal form of `value` (a copy for objects and strings; any other
/// value as it is).
pub unsafe extern "C" fn normal_form(
    ctx: *mut qjs::JSContext,
    _this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
) -> qjs::JSValue {
    let value = crate::argument(argc, argv, 0);
    let mut copier = Copier {
        ctx,
        names: names(ctx),
        work: Vec::new(),
    };
    let result = copier.root(value);
    // Whatever is left (after a failure) holds references to release.
    for (source, target) in copier.work.drain(..) {
        qjs::JS_FreeValue(ctx, source);
        qjs::JS_FreeValue(ctx, target);
    }
    match result {
        Ok(value) => value,
        Err(Thrown) => qjs::JS_EXCEPTION,
    }
}

/// A QuickJS call failed: its exception is pending.
struct Thrown;

type Made = Result<qjs::JSValue, Thrown>;

struct Copier {
    ctx: *mut qjs::JSContext,
    names: Names,
    /// (source, target) pairs still to copy, each value a reference this list holds.
    work: Vec<(qjs::JSValue, qjs::JSValue)>,
}

impl Copier {
    unsafe fn root(&mut self, value: qjs::JSValue) -> Made {
        if qjs::JS_IsString(value) {
            return self.canonical_string(qjs::JS_DupValue(self.ctx, value));
        }
        if !self.is_object(value) {
            return Ok(qjs::JS_DupValue(self.ctx, value));
        }
        let root = self.object()?;
        self.work.push((
            qjs::JS_DupValue(self.ctx, value),
            qjs::JS_DupValue(self.ctx, root),
        ));
        while let Some((source, target)) = self.work.pop() {
            let done = if qjs::JS_IsArray(source) {
                self.list_chain(source, target)
            } else {
                self.copy_object(source, target)
            };
            qjs::JS_FreeValue(self.ctx, source);
            qjs::JS_FreeValue(self.ctx, target);
            if let Err(thrown) = done {
                qjs::JS_FreeValue(self.ctx, root);
                return Err(thrown);
            }
        }
        Ok(root)
    }

    /// Whether `value` is what the executor's `typeof value === 'object' && value !== null`
    /// answers true for (a function is not).
    unsafe fn is_object(&self, value: qjs::JSValue) -> bool {
        qjs::JS_IsObject(value) && !qjs::JS_IsFunction(self.ctx, value)
    }

    unsafe fn object(&self) -> Made {
        checked(qjs::JS_NewObject(self.ctx))
    }

    /// Defines `members` on `target` in order, each value taken; once one is an error or a
    /// definition fails, the rest are released and the error answered.
    unsafe fn fill<const N: usize>(
        &self,
        target: qjs::JSValue,
        members: [(qjs::JSAtom, Made); N],
    ) -> Result<(), Thrown> {
        let flags = (qjs::JS_PROP_C_W_E | qjs::JS_PROP_THROW) as c_int;
        let mut outcome = Ok(());
        for (key, value) in members {
            match (value, &outcome) {
                (Ok(value), Ok(())) => {
                    if qjs::JS_DefinePropertyValue(self.ctx, target, key, value, flags) < 0 {
                        outcome = Err(Thrown);
                    }
                }
                (Ok(value), Err(_)) => qjs::JS_FreeValue(self.ctx, value),
                (Err(thrown), _) => outcome = Err(thrown),
            }
        }
        outcome
    }

    /// A new object with `members` (as [`Self::fill`] defines them).
    unsafe fn object_with<const N: usize>(&self, members: [(qjs::JSAtom, Made); N]) -> Made {
        let node = match self.object() {
            Ok(node) => node,
            Err(thrown) => {
                for (_, value) in members.into_iter() {
                    if let Ok(value) = value {
                        qjs::JS_FreeValue(self.ctx, value);
                    }
                }
                return Err(thrown);
            }
        };
        match self.fill(node, members) {
            Ok(()) => Ok(node),
            Err(thrown) => {
                qjs::JS_FreeValue(self.ctx, node);
                Err(thrown)
            }
        }
    }

    /// The string of the atom `name`.
    unsafe fn string(&self, name: qjs::JSAtom) -> Made {
        checked(qjs::JS_AtomToString(self.ctx, name))
    }

    /// `{Z1K1: "Z9", Z9K1: zid}` (the string taken).
    unsafe fn reference(&self, zid: Made) -> Made {
        self.object_with([
            (self.names.z1k1, self.string(self.names.z9)),
            (self.names.z9k1, zid),
        ])
    }

    /// A string as a Z9 when it is a ZID, else as a Z6 (the string taken).
    unsafe fn canonical_string(&self, text: qjs::JSValue) -> Made {
        match self.is_zid(text) {
            Ok(true) => self.reference(Ok(text)),
            Ok(false) => self.object_with([
                (self.names.z1k1, self.string(self.names.z6)),
                (self.names.z6k1, Ok(text)),
            ]),
            Err(thrown) => {
                qjs::JS_FreeValue(self.ctx, text);
                Err(thrown)
            }
        }
    }

    unsafe fn is_zid(&self, text: qjs::JSValue) -> Result<bool, Thrown> {
        crate::with_utf8(self.ctx, text, crate::lexical::zid).ok_or(Thrown)
    }

    /// A new object for `source` (an object: queued for copying), or `source` itself as the
    /// normal form of an item or member that is neither (taken).
    unsafe fn node_for(&mut self, source: qjs::JSValue) -> Made {
        if !self.is_object(source) {
            return Ok(source);
        }
        let node = match self.object() {
            Ok(node) => node,
            Err(thrown) => {
                qjs::JS_FreeValue(self.ctx, source);
                return Err(thrown);
            }
        };
        self.work.push((source, qjs::JS_DupValue(self.ctx, node)));
        Ok(node)
    }

    /// Copies the object `source` into `target` key by key.
    unsafe fn copy_object(
        &mut self,
        source: qjs::JSValue,
        target: qjs::JSValue,
    ) -> Result<(), Thrown> {
        let ctx = self.ctx;
        crate::with_own_keys(ctx, source, |entries| {
            self.copy_members(source, target, entries)
        })
        .unwrap_or(Err(Thrown))
    }

    unsafe fn copy_members(
        &mut self,
        source: qjs::JSValue,
        target: qjs::JSValue,
        entries: &[qjs::JSPropertyEnum],
    ) -> Result<(), Thrown> {
        // A Z6 or Z9 keeps its strings (its Z1K1 is one of its own keys, read as the
        // executor reads it: only an own member counts).
        let mut terminal = false;
        if entries.iter().any(|entry| entry.atom == self.names.z1k1) {
            let type_value = checked(qjs::JS_GetProperty(self.ctx, source, self.names.z1k1))?;
            let is_terminal = self.is_string_of(type_value, &[b"Z6", b"Z9"]);
            qjs::JS_FreeValue(self.ctx, type_value);
            terminal = is_terminal?;
        }
        for entry in entries {
            let key = entry.atom;
            let child = checked(qjs::JS_GetProperty(self.ctx, source, key))?;
            let value = if !qjs::JS_IsString(child) {
                self.node_for(child)
            } else if terminal {
                Ok(child)
            } else if key != self.names.z1k1 {
                self.canonical_string(child)
            } else {
                match self.is_zid(child) {
                    Ok(true) => self.reference(Ok(child)),
                    Ok(false) => Ok(child),
                    Err(thrown) => {
                        qjs::JS_FreeValue(self.ctx, child);
                        Err(thrown)
                    }
                }
            };
            self.fill(target, [(key, value)])?;
        }
        Ok(())
    }

    /// Whether `value` is a string equal to one of `texts`.
    unsafe fn is_string_of(&self, value: qjs::JSValue, texts: &[&[u8]]) -> Result<bool, Thrown> {
        if !qjs::JS_IsString(value) {
            return Ok(false);
        }
        crate::with_utf8(self.ctx, value, |bytes| texts.contains(&bytes)).ok_or(Thrown)
    }

    /// Writes the canonical list `array` (`[type, ...items]`) into `target` as a normal-form
    /// typed-list chain.
    unsafe fn list_chain(
        &mut self,
        array: qjs::JSValue,
        target: qjs::JSValue,
    ) -> Result<(), Thrown> {
        let length_value = checked(qjs::JS_GetProperty(self.ctx, array, self.names.length))?;
        let mut read_length = 0i32;
        let read = qjs::JS_ToInt32(self.ctx, &mut read_length, length_value);
        qjs::JS_FreeValue(self.ctx, length_value);
        if read < 0 {
            return Err(Thrown);
        }
        // (A parsed array's length: far below 2^31.)
        let length = u32::try_from(read_length).unwrap_or(0);
        // The element type: the first item, copied when it is an object, else a reference
        // to it when it is a ZID, else to Z1.
        let first = if length > 0 {
            checked(qjs::JS_GetPropertyUint32(self.ctx, array, 0))?
        } else {
            qjs::JS_UNDEFINED
        };
        let element_type = if self.is_object(first) {
            self.node_for(first)
        } else {
            let zid = match qjs::JS_IsString(first).then(|| self.is_zid(first)) {
                Some(Ok(true)) => Ok(first),
                Some(Err(thrown)) => {
                    qjs::JS_FreeValue(self.ctx, first);
                    Err(thrown)
                }
                _ => {
                    qjs::JS_FreeValue(self.ctx, first);
                    self.string(self.names.z1)
                }
            };
            self.reference(zid)
        };
        let list_type = self.object_with([
            (self.names.z1k1, self.reference(self.string(self.names.z7))),
            (
                self.names.z7k1,
                self.reference(self.string(self.names.z881)),
            ),
            (self.names.z881k1, element_type),
        ])?;
        let result = self.fill_chain(array, target, length, list_type);
        qjs::JS_FreeValue(self.ctx, list_type);
        result
    }

    /// The chain's nodes, built from the end, every one with `list_type` (borrowed) as its
    /// Z1K1; the first item's members written into `target`.
    unsafe fn fill_chain(
        &mut self,
        array: qjs::JSValue,
        target: qjs::JSValue,
        length: u32,
        list_type: qjs::JSValue,
    ) -> Result<(), Thrown> {
        let ctx = self.ctx;
        let typed = move || Ok(qjs::JS_DupValue(ctx, list_type));
        if length <= 1 {
            return self.fill(target, [(self.names.z1k1, typed())]);
        }
        let mut next = self.object_with([(self.names.z1k1, typed())])?;
        for i in (1..length).rev() {
            let item = checked(qjs::JS_GetPropertyUint32(self.ctx, array, i));
            let element = match item {
                Ok(item) => self.list_element(item),
                Err(thrown) => Err(thrown),
            };
            let members = [
                (self.names.z1k1, typed()),
                (self.names.k1, element),
                (self.names.k2, Ok(next)),
            ];
            if i == 1 {
                return self.fill(target, members);
            }
            next = self.object_with(members)?;
        }
        unreachable!("the loop ends at the first item")
    }

    /// A list item in normal form: a string's Z6 / Z9, a node to fill for an object, any
    /// other value as it is (taken).
    unsafe fn list_element(&mut self, item: qjs::JSValue) -> Made {
        if qjs::JS_IsString(item) {
            self.canonical_string(item)
        } else {
            self.node_for(item)
        }
    }
}

/// `value`, or `Err` when it is the exception marker.
fn checked(value: qjs::JSValue) -> Made {
    // SAFETY: a tag check only.
    if unsafe { qjs::JS_IsException(value) } {
        Err(Thrown)
    } else {
        Ok(value)
    }
}
