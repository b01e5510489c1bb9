//! Hash functions (scalar-functions.md, "Hash functions"): `hash` and
//! `hash_xxhash64` (XXH64, seed 0), and the hex digests `hash_sha1`,
//! `hash_sha256`, `hash_md5`.
//!
//! The digests hash the value's text (`tostring`). XXH64 hashes a string's
//! UTF-8 bytes and a datetime's 100-nanosecond ticks since 0001-01-01 as
//! 8 little-endian bytes (hash-function.md shows both); the binder refuses
//! the other types, whose bytes Kusto does not document. The row function
//! still hashes them as their natural little-endian bytes (a long 8 bytes,
//! an int 4, a real its IEEE bits, a timespan its ticks, a bool one byte, a
//! guid its 16 bytes, a dynamic value its JSON text), so that every value
//! it may meet has an answer.

use datafusion::arrow::datatypes::DataType;
use twox_hash::XxHash64;

use super::rowwise::{Ctx, V};

/// Ticks from 0001-01-01 to 1970-01-01.
const EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// The bytes XXH64 hashes for `v` (argument `i` of the call, whose Arrow
/// type tells an int from a long); `None` for null.
fn xx_bytes(v: &V, arrow: Option<&DataType>) -> Option<Vec<u8>> {
    Some(match v {
        V::Null => return None,
        V::Str(s) => s.as_bytes().to_vec(),
        V::Long(n) if arrow == Some(&DataType::Int32) => i32::try_from(*n).ok()?.to_le_bytes().to_vec(),
        V::Long(n) => n.to_le_bytes().to_vec(),
        V::Real(r) => r.to_bits().to_le_bytes().to_vec(),
        V::Bool(b) => vec![u8::from(*b)],
        V::Dt(n) => n.div_euclid(100).checked_add(EPOCH_TICKS)?.to_le_bytes().to_vec(),
        V::Ts(n) => (n / 100).to_le_bytes().to_vec(),
        V::Guid(g) => g.clone(),
        V::Dyn(serde_json::Value::Null) => return None,
        V::Dyn(j) => j.to_string().into_bytes(),
    })
}

/// `hash(v [, mod])`, `hash_xxhash64(v [, mod])`: XXH64 of the value as a
/// long; with `mod`, the hash taken as unsigned modulo `mod` (always in
/// `0..mod`, as hash-function.md says; null unless `mod` is positive).
pub fn hash(a: &[V], ctx: &mut Ctx) -> V {
    let Some(bytes) = a.first().and_then(|v| xx_bytes(v, ctx.arg_type(0))) else { return V::Null };
    let h = XxHash64::oneshot(0, &bytes);
    match a.get(1) {
        None => V::Long(h as i64),
        Some(m) => match m.long().and_then(|m| u64::try_from(m).ok()).filter(|m| *m > 0) {
            Some(m) => V::Long((h % m) as i64),
            None => V::Null,
        },
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest `D` of `tostring(v)`; empty for null.
fn digest<D: sha2::Digest>(a: &[V]) -> V {
    match a.first() {
        None | Some(V::Null) => V::Str(String::new()),
        Some(v) => V::Str(hex(&D::digest(v.text().as_bytes()))),
    }
}

/// `hash_sha1(v)`: lowercase hex of the SHA-1 of `tostring(v)`.
pub fn hash_sha1(a: &[V], _: &mut Ctx) -> V {
    digest::<sha1::Sha1>(a)
}

/// `hash_sha256(v)`: lowercase hex of the SHA-256 of `tostring(v)`.
pub fn hash_sha256(a: &[V], _: &mut Ctx) -> V {
    digest::<sha2::Sha256>(a)
}

/// `hash_md5(v)`: lowercase hex of the MD5 of `tostring(v)`.
pub fn hash_md5(a: &[V], _: &mut Ctx) -> V {
    digest::<md5::Md5>(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_of_the_empty_string() {
        let e = [V::Str(String::new())];
        let mut ctx = Ctx::default();
        assert_eq!(hash_md5(&e, &mut ctx), V::Str("d41d8cd98f00b204e9800998ecf8427e".into()));
        assert_eq!(hash_sha1(&e, &mut ctx), V::Str("da39a3ee5e6b4b0d3255bfef95601890afd80709".into()));
    }
}
