//! IPv4 text matching (`has_ipv4`, `has_ipv4_prefix`, `has_any_ipv4`,
//! `has_any_ipv4_prefix`) and address formatting (`ipv4_is_match`,
//! `ipv4_netmask_suffix`, `ipv4_range_to_cidr_list`, `format_ipv4`,
//! `format_ipv4_mask`, `parse_ipv4_mask`).

use std::net::Ipv4Addr;

use serde_json::Value as J;

use super::network::{ipv4_compare, mask, parse};
use super::rowwise::{Ctx, V};

/// Whether `c` may touch an address in text: an address is delimited by
/// characters that are neither letters, digits nor dots.
fn joins(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '.')
}

/// Whether `text` holds `needle` (an address, or a prefix ending in a dot)
/// at the start of a whole, valid, delimited IPv4 address.
fn holds(text: &str, needle: &str, prefix: bool) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        let before = text.get(..i).and_then(|p| p.chars().next_back());
        if joins(before) {
            return false;
        }
        let rest = text.get(i..).unwrap_or_default();
        let len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let token = rest.get(..len).unwrap_or_default();
        let after = rest.get(len..).and_then(|p| p.chars().next());
        (prefix || token == needle) && !joins(after) && token.parse::<Ipv4Addr>().is_ok()
    })
}

/// A valid address to look for.
fn valid_address(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

/// A valid prefix to look for: one to three octets, each followed by a dot.
fn valid_prefix(s: &str) -> bool {
    let Some(body) = s.strip_suffix('.') else { return false };
    let parts: Vec<&str> = body.split('.').collect();
    (1..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// The lookups of a `has_any_*` call: strings, or one dynamic array.
fn lookups(a: &[V]) -> Vec<String> {
    match a.get(1) {
        Some(V::Dyn(J::Array(items))) if a.len() == 2 => {
            items.iter().filter_map(|j| j.as_str().map(String::from)).collect()
        }
        _ => a.iter().skip(1).map(V::text).collect(),
    }
}

/// `has_ipv4(text, ip)` (has-ipv4-function.md).
pub fn has_ipv4(a: &[V], _: &mut Ctx) -> V {
    let ip = a[1].text();
    V::Bool(valid_address(&ip) && holds(&a[0].text(), &ip, false))
}

/// `has_ipv4_prefix(text, prefix)`: `prefix` like `10.` or `192.168.1.`.
pub fn has_ipv4_prefix(a: &[V], _: &mut Ctx) -> V {
    let p = a[1].text();
    V::Bool(valid_prefix(&p) && holds(&a[0].text(), &p, true))
}

/// `has_any_ipv4(text, ip, ...)`.
pub fn has_any_ipv4(a: &[V], _: &mut Ctx) -> V {
    let text = a[0].text();
    V::Bool(lookups(a).iter().any(|ip| valid_address(ip) && holds(&text, ip, false)))
}

/// `has_any_ipv4_prefix(text, prefix, ...)`.
pub fn has_any_ipv4_prefix(a: &[V], _: &mut Ctx) -> V {
    let text = a[0].text();
    V::Bool(lookups(a).iter().any(|p| valid_prefix(p) && holds(&text, p, true)))
}

/// `ipv4_is_match(a, b [, prefix])`: equal under the smallest prefix.
pub fn ipv4_is_match(a: &[V], ctx: &mut Ctx) -> V {
    match ipv4_compare(a, ctx) {
        V::Long(n) => V::Bool(n == 0),
        other => other,
    }
}

/// `ipv4_netmask_suffix(ip)`: the prefix length, 32 when none is written.
pub fn ipv4_netmask_suffix(a: &[V], _: &mut Ctx) -> V {
    parse(&a[0].text()).map_or(V::Null, |(_, p)| V::Long(i64::from(p)))
}

/// An address given as text or as a long.
fn address(v: &V) -> Option<(u32, u32)> {
    match v {
        V::Long(n) => u32::try_from(*n).ok().map(|ip| (ip, 32)),
        other => parse(&other.text()),
    }
}

/// The address masked by the smaller of its own prefix and `mask` (32 by
/// default; null outside 0 to 32).
fn masked(a: &[V]) -> Option<(u32, u32)> {
    let (ip, own) = address(a.first()?)?;
    let m = match a.get(1) {
        None => 32,
        Some(v) => u32::try_from(v.long()?).ok().filter(|m| *m <= 32)?,
    };
    let p = own.min(m);
    Some((ip & mask(p), p))
}

/// `format_ipv4(ip [, mask])`: empty when it is no address or the mask is
/// out of range.
pub fn format_ipv4(a: &[V], _: &mut Ctx) -> V {
    V::Str(masked(a).map(|(ip, _)| Ipv4Addr::from(ip).to_string()).unwrap_or_default())
}

/// `format_ipv4_mask(ip [, mask])`: as CIDR notation.
pub fn format_ipv4_mask(a: &[V], _: &mut Ctx) -> V {
    V::Str(masked(a).map(|(ip, p)| format!("{}/{p}", Ipv4Addr::from(ip))).unwrap_or_default())
}

/// `parse_ipv4_mask(ip, mask)`: the masked address as a long.
pub fn parse_ipv4_mask(a: &[V], _: &mut Ctx) -> V {
    masked(a).map_or(V::Null, |(ip, _)| V::Long(i64::from(ip)))
}

/// `ipv4_range_to_cidr_list(start, end)`: the fewest CIDR blocks covering
/// the addresses from `start` to `end`.
pub fn ipv4_range_to_cidr_list(a: &[V], _: &mut Ctx) -> V {
    let (Some((s, _)), Some((e, _))) = (address(&a[0]), address(&a[1])) else { return V::Null };
    if s > e {
        return V::Null;
    }
    let (mut s, e) = (u64::from(s), u64::from(e));
    let mut out = Vec::new();
    while s <= e {
        // The largest block aligned at `s` that stays within the range.
        let mut size: u64 = if s == 0 { 1 << 32 } else { 1 << s.trailing_zeros().min(32) };
        while s + size - 1 > e {
            size >>= 1;
        }
        let prefix = 32 - size.trailing_zeros();
        out.push(J::String(format!("{}/{prefix}", Ipv4Addr::from(s as u32))));
        s += size;
    }
    V::Dyn(J::Array(out))
}
