//! Rewrites the normal-form typed lists of a deep request into canonical arrays, so a long list
//! is not a reason to refuse a request.
//!
//! A normal-form typed list is a chain of links `{"Z1K1": T, "K1": item, "K2": rest}` ending in
//! `{"Z1K1": T}`, where `T` is a `Z881` call: one nesting level per element. The executor
//! decodes the canonical array `[element type, item, …]` the same way (for converters too: it
//! copies either form into the same normal form), so a chain rewritten as an array gives the
//! same answer while its depth stops counting, and QuickJS's JSON.parse, which recurses once
//! per level, never sees it.
//!
//! The scan is iterative, so the rewriting itself has no depth limit. Only chains whose every
//! link has exactly the keys `Z1K1`, `K1`, `K2` (in that order) and the same `T` text are
//! rewritten; anything else is left as it is (and text that is not JSON is left to the
//! executor to refuse).

use crate::scan;

/// A member of an object: the byte spans of its key (quotes included) and of its value.
struct Member {
    key: (usize, usize),
    value: (usize, usize),
}

/// An object of the request: its byte span and its members, in order.
struct Object {
    start: usize,
    end: usize,
    members: Vec<Member>,
}

enum Frame {
    Object {
        index: usize,
        key: Option<(usize, usize)>,
    },
    Array,
}

/// `text` with every well-formed normal-form typed list written as a canonical array, or
/// `None` when there is none to rewrite (or the text is not JSON).
pub fn flatten(text: &str) -> Option<String> {
    let objects = scan(text.as_bytes())?;
    let mut replacements = chains(text, &objects);
    if replacements.is_empty() {
        return None;
    }
    replacements.sort_by_key(|r| r.0);
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for (start, end, with) in replacements {
        // A chain inside a replaced span (in a list's type) goes with that span.
        if start < cursor {
            continue;
        }
        out.push_str(&text[cursor..start]);
        out.push_str(&with);
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    Some(out)
}

/// Every object of the JSON text, in the order they open; `None` if the text is not JSON
/// enough to be sure of its structure.
fn scan(bytes: &[u8]) -> Option<Vec<Object>> {
    let mut objects: Vec<Object> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Where each open container started (parallel to `stack`).
    let mut starts: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let value = match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {
                i += 1;
                continue;
            }
            b',' => {
                if let Some(Frame::Object { key, .. }) = stack.last_mut() {
                    *key = None;
                }
                i += 1;
                continue;
            }
            b'{' => {
                objects.push(Object {
                    start: i,
                    end: 0,
                    members: Vec::new(),
                });
                stack.push(Frame::Object {
                    index: objects.len() - 1,
                    key: None,
                });
                starts.push(i);
                i += 1;
                continue;
            }
            b'[' => {
                stack.push(Frame::Array);
                starts.push(i);
                i += 1;
                continue;
            }
            b'}' | b']' => {
                let frame = stack.pop()?;
                let start = starts.pop()?;
                match (frame, byte) {
                    (Frame::Object { index, .. }, b'}') => objects[index].end = i + 1,
                    (Frame::Array, b']') => {}
                    _ => return None,
                }
                i += 1;
                (start, i)
            }
            b'"' => {
                let start = i;
                i = scan::string_end(bytes, i + 1)? + 1;
                // A string in key position is a key, not a value.
                if let Some(Frame::Object {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((start, i));
                    continue;
                }
                (start, i)
            }
            _ => {
                let start = i;
                while i < bytes.len() && !b" \t\n\r,}]:".contains(&bytes[i]) {
                    i += 1;
                }
                (start, i)
            }
        };
        if let Some(Frame::Object {
            index,
            key: Some(key),
        }) = stack.last()
        {
            objects[*index].members.push(Member { key: *key, value });
        }
    }
    stack.is_empty().then_some(objects)
}

/// The replacements (byte span, new text) that turn every well-formed chain into an array.
fn chains(text: &str, objects: &[Object]) -> Vec<(usize, usize, String)> {
    let at = |start: usize| {
        objects
            .binary_search_by_key(&start, |o| o.start)
            .ok()
            .map(|i| &objects[i])
    };
    let span = |(start, end): (usize, usize)| &text[start..end];
    let keys_are = |object: &Object, keys: &[&str]| {
        object.members.len() == keys.len()
            && object
                .members
                .iter()
                .zip(keys)
                .all(|(m, k)| span(m.key) == *k)
    };
    // The element type of a Z881 call (its Z881K1 value's span), for a list type `T`.
    let element_type = |t: (usize, usize)| -> Option<(usize, usize)> {
        let call = at(t.0)?;
        let names_z881 = call.members.iter().any(|m| {
            span(m.key) == "\"Z7K1\""
                && (span(m.value) == "\"Z881\""
                    || at(m.value.0).is_some_and(|r| {
                        r.members
                            .iter()
                            .any(|m| span(m.key) == "\"Z9K1\"" && span(m.value) == "\"Z881\"")
                    }))
        });
        if !names_z881 {
            return None;
        }
        call.members
            .iter()
            .find(|m| span(m.key) == "\"Z881K1\"")
            .map(|m| m.value)
    };
    let is_link = |o: &Object| keys_are(o, &["\"Z1K1\"", "\"K1\"", "\"K2\""]);
    let is_end = |o: &Object, t: &str| keys_are(o, &["\"Z1K1\""]) && span(o.members[0].value) == t;

    // For each link: the link after it (Some(Some(index))), the end (Some(None)), or a break.
    let index_at = |start: usize| objects.binary_search_by_key(&start, |o| o.start).ok();
    let mut step: Vec<Option<Option<usize>>> = vec![None; objects.len()];
    let mut linked = vec![false; objects.len()];
    for (i, object) in objects.iter().enumerate() {
        if !is_link(object) {
            continue;
        }
        let t = span(object.members[0].value);
        let Some(next) = index_at(object.members[2].value.0) else {
            continue;
        };
        let following = &objects[next];
        if is_link(following) && span(following.members[0].value) == t {
            step[i] = Some(Some(next));
            linked[next] = true;
        } else if is_end(following, t) {
            step[i] = Some(None);
        }
    }
    let mut replacements = Vec::new();
    for (head, object) in objects.iter().enumerate() {
        if linked[head] || step[head].is_none() {
            continue;
        }
        let Some(element) = element_type(object.members[0].value) else {
            continue;
        };
        let mut links = vec![head];
        let complete = loop {
            match step[*links.last().unwrap_or(&head)] {
                Some(Some(next)) => links.push(next),
                Some(None) => break true,
                None => break false,
            }
        };
        if !complete {
            continue;
        }
        let item = |link: usize| objects[link].members[1].value;
        replacements.push((object.start, item(head).0, format!("[{},", span(element))));
        for pair in links.windows(2) {
            replacements.push((item(pair[0]).1, item(pair[1]).0, ",".to_string()));
        }
        let last = *links.last().unwrap_or(&head);
        replacements.push((item(last).1, object.end, "]".to_string()));
    }
    replacements
}
