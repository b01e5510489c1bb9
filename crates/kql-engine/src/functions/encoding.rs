//! Encodings of text and bytes: URL encoding as Kusto does it (.NET's
//! `HttpUtility.UrlEncode`: lowercase hex, `+` for a space), punycode,
//! Unicode code points, base64 of guids and byte arrays, zlib, `toguid`,
//! `string_size` and `isutf8`.

use std::io::{Read, Write};

use base64::Engine as _;
use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// The most bytes a decompressed value may have: a small base64 text can
/// inflate to gigabytes.
const MAX_INFLATED: u64 = 64 << 20;

/// Percent-encodes `s` as `HttpUtility.UrlEncode` does: letters, digits and
/// `-_.!*()` stay, a space is `space`, every other UTF-8 byte `%xx` in
/// lowercase hex.
fn url_escape(s: &str, space: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'*' | b'(' | b')' => {
                out.push(char::from(b))
            }
            b' ' => out.push_str(space),
            other => out.push_str(&format!("%{other:02x}")),
        }
    }
    out
}

/// `url_encode(s)` (url-encode-function.md).
pub fn url_encode(a: &[V], _: &mut Ctx) -> V {
    V::Str(url_escape(&a[0].text(), "+"))
}

/// `url_encode_component(s)`: a space is `%20` (url-encode-component-function.md).
pub fn url_encode_component(a: &[V], _: &mut Ctx) -> V {
    V::Str(url_escape(&a[0].text(), "%20"))
}

/// `punycode_from_string(s)`: empty when it cannot be encoded.
pub fn punycode_from_string(a: &[V], _: &mut Ctx) -> V {
    V::Str(idna::punycode::encode_str(&a[0].text()).unwrap_or_default())
}

/// `punycode_to_string(s)`: empty when it is no punycode.
pub fn punycode_to_string(a: &[V], _: &mut Ctx) -> V {
    V::Str(idna::punycode::decode_to_string(&a[0].text()).unwrap_or_default())
}

/// The labels of a domain name, split at any of IDNA's full stops (`.`,
/// `。`, `．`, `｡`).
fn domain_labels(s: &str) -> impl Iterator<Item = &str> {
    s.split(['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'])
}

/// `punycode_domain_to_string(domain)`: each label with a character past
/// ASCII as `xn--` and its punycode, the labels joined by `.`; empty when
/// one cannot be encoded.
pub fn punycode_domain_to_string(a: &[V], _: &mut Ctx) -> V {
    let mut out: Vec<String> = Vec::new();
    for label in domain_labels(&a[0].text()) {
        if label.is_ascii() {
            out.push(label.to_string());
            continue;
        }
        match idna::punycode::encode_str(label) {
            Some(p) => out.push(format!("xn--{p}")),
            None => return V::Str(String::new()),
        }
    }
    V::Str(out.join("."))
}

/// `punycode_domain_from_string(encoded)`: each `xn--` label decoded; empty
/// when one is no punycode.
pub fn punycode_domain_from_string(a: &[V], _: &mut Ctx) -> V {
    let mut out: Vec<String> = Vec::new();
    for label in a[0].text().split('.') {
        let Some(code) = label.strip_prefix("xn--").or_else(|| label.strip_prefix("XN--")) else {
            out.push(label.to_string());
            continue;
        };
        match idna::punycode::decode_to_string(code) {
            Some(d) => out.push(d),
            None => return V::Str(String::new()),
        }
    }
    V::Str(out.join("."))
}

/// `isascii(s)`: whether every character is ASCII.
pub fn isascii(a: &[V], _: &mut Ctx) -> V {
    V::Bool(a[0].text().is_ascii())
}

/// `unicode_codepoints_from_string(s)`: the code points, as an array.
pub fn unicode_codepoints_from_string(a: &[V], _: &mut Ctx) -> V {
    V::Dyn(J::Array(a[0].text().chars().map(|c| J::from(u32::from(c))).collect()))
}

/// `unicode_codepoints_to_string(cp, ...)`: code points given one by one or
/// in arrays; null if any is no code point.
pub fn unicode_codepoints_to_string(a: &[V], _: &mut Ctx) -> V {
    let mut out = String::new();
    let mut push = |n: Option<i64>| -> bool {
        match n.and_then(|n| u32::try_from(n).ok()).and_then(char::from_u32) {
            Some(c) => {
                out.push(c);
                true
            }
            None => false,
        }
    };
    for v in a {
        let ok = match v {
            V::Dyn(J::Array(items)) => items.iter().all(|j| push(j.as_i64())),
            other => push(other.long()),
        };
        if !ok {
            return V::Null;
        }
    }
    V::Str(out)
}

/// A guid's bytes in .NET's order (the first three groups little-endian),
/// which is what Kusto's base64 of a guid holds.
fn dotnet_order(g: &[u8]) -> Option<[u8; 16]> {
    let mut b: [u8; 16] = g.try_into().ok()?;
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// `base64_encode_fromguid(g)` (base64-encode-fromguid-function.md).
pub fn base64_encode_fromguid(a: &[V], _: &mut Ctx) -> V {
    match &a[0] {
        V::Guid(g) => match dotnet_order(g) {
            Some(b) => V::Str(base64::engine::general_purpose::STANDARD.encode(b)),
            None => V::Null,
        },
        _ => V::Null,
    }
}

/// `base64_decode_toguid(s)`: null unless the text decodes to 16 bytes.
pub fn base64_decode_toguid(a: &[V], _: &mut Ctx) -> V {
    let bytes = base64::engine::general_purpose::STANDARD.decode(a[0].text().trim()).ok();
    match bytes.as_deref().and_then(dotnet_order) {
        Some(b) => V::Guid(b.to_vec()),
        None => V::Null,
    }
}

/// `base64_decode_toarray(s)`: the bytes as an array of longs; null when
/// the text is not base64.
pub fn base64_decode_toarray(a: &[V], _: &mut Ctx) -> V {
    match base64::engine::general_purpose::STANDARD.decode(a[0].text().trim()) {
        Ok(b) => V::Dyn(J::Array(b.into_iter().map(J::from).collect())),
        Err(_) => V::Null,
    }
}

/// `base64_encode_fromarray(bytes)`: null unless every element is a byte.
pub fn base64_encode_fromarray(a: &[V], _: &mut Ctx) -> V {
    let V::Dyn(J::Array(items)) = &a[0] else { return V::Null };
    let bytes: Option<Vec<u8>> = items.iter().map(|j| j.as_i64().and_then(|n| u8::try_from(n).ok())).collect();
    match bytes {
        Some(b) => V::Str(base64::engine::general_purpose::STANDARD.encode(b)),
        None => V::Null,
    }
}

/// The deflate level of `zlib_compress_to_base64_string` and
/// `gzip_compress_to_base64_string`: none, stored blocks, the one level that
/// gives the bytes both pages print (zlib-base64-compress-function.md,
/// gzip-base64-compress.md); every other level deflates their input.
const KUSTO_LEVEL: flate2::Compression = flate2::Compression::none();

/// `zlib_compress_to_base64_string(s)`: the UTF-8 bytes in zlib's format,
/// stored (see [`KUSTO_LEVEL`]), in base64.
pub fn zlib_compress(a: &[V], _: &mut Ctx) -> V {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), KUSTO_LEVEL);
    match z.write_all(a[0].text().as_bytes()).and_then(|_| z.finish()) {
        Ok(b) => V::Str(base64::engine::general_purpose::STANDARD.encode(b)),
        Err(_) => V::Null,
    }
}

/// `zlib_decompress_from_base64_string(s)`: empty when the text is not
/// base64 of zlib data holding UTF-8 (or inflates past 64 MiB).
pub fn zlib_decompress(a: &[V], _: &mut Ctx) -> V {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(a[0].text().trim()) else {
        return V::Str(String::new());
    };
    let mut out = Vec::new();
    let z = flate2::read::ZlibDecoder::new(bytes.as_slice());
    let read = z.take(MAX_INFLATED + 1).read_to_end(&mut out);
    match read {
        Ok(n) if (n as u64) <= MAX_INFLATED => V::Str(String::from_utf8(out).unwrap_or_default()),
        _ => V::Str(String::new()),
    }
}

/// The gzip header Kusto writes: deflate, no flags, no time, no extra
/// flags, unknown system (gzip-base64-compress.md).
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// `gzip_compress_to_base64_string(s)`: as zlib's, in gzip's format with
/// [`GZIP_HEADER`]; null past 4 GiB, which gzip's length field cannot hold.
pub fn gzip_compress(a: &[V], _: &mut Ctx) -> V {
    let text = a[0].text();
    let Ok(len) = u32::try_from(text.len()) else { return V::Null };
    let mut z = flate2::write::DeflateEncoder::new(GZIP_HEADER.to_vec(), KUSTO_LEVEL);
    let Ok(mut out) = z.write_all(text.as_bytes()).and_then(|_| z.finish()) else { return V::Null };
    let mut crc = flate2::Crc::new();
    crc.update(text.as_bytes());
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    V::Str(base64::engine::general_purpose::STANDARD.encode(out))
}

/// `gzip_decompress_from_base64_string(s)`: empty when the text is not
/// base64 of gzip data holding UTF-8 (or inflates past 64 MiB).
pub fn gzip_decompress(a: &[V], _: &mut Ctx) -> V {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(a[0].text().trim()) else {
        return V::Str(String::new());
    };
    let mut out = Vec::new();
    let z = flate2::read::GzDecoder::new(bytes.as_slice());
    match z.take(MAX_INFLATED + 1).read_to_end(&mut out) {
        Ok(n) if (n as u64) <= MAX_INFLATED => V::Str(String::from_utf8(out).unwrap_or_default()),
        _ => V::Str(String::new()),
    }
}

/// `toguid(s)`: 32 hex digits, dashes anywhere ignored (toguid-function.md);
/// null otherwise.
pub fn toguid(a: &[V], _: &mut Ctx) -> V {
    if let V::Guid(g) = &a[0] {
        return V::Guid(g.clone());
    }
    let text = a[0].text();
    let hex: Vec<u8> = text.trim().bytes().filter(|b| *b != b'-').collect();
    if hex.len() != 32 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return V::Null;
    }
    let nibble = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes: Option<Vec<u8>> = hex.chunks(2).map(|p| Some(nibble(*p.first()?)? << 4 | nibble(*p.get(1)?)?)).collect();
    bytes.map_or(V::Null, V::Guid)
}

/// `new_guid()`: a random (version 4, RFC 9562 variant) GUID, drawn
/// afresh for every row.
pub fn new_guid(_: &[V], ctx: &mut Ctx) -> V {
    let rng = ctx.rng();
    let mut bytes: Vec<u8> = (0..16).map(|_| rng.u8(..)).collect();
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x40;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    V::Guid(bytes)
}

/// `string_size(s)`: the UTF-8 bytes of the string.
pub fn string_size(a: &[V], _: &mut Ctx) -> V {
    V::Long(i64::try_from(a[0].text().len()).unwrap_or(i64::MAX))
}

/// `isutf8(s)`: strings here are always valid UTF-8.
pub fn isutf8(a: &[V], _: &mut Ctx) -> V {
    match &a[0] {
        V::Null => V::Null,
        _ => V::Bool(true),
    }
}
