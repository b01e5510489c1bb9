//! IPv6 functions (`parse_ipv6`, `parse_ipv6_mask`, `ipv6_compare`,
//! `ipv6_is_match`, `ipv6_is_in_range`, `ipv6_is_in_any_range`). IPv4
//! addresses take part as IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`),
//! their prefixes counted over the last 32 bits; an address written with a
//! dotted IPv4 part after `::` is read the same way (parse-ipv6-mask-function.md).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value as J;

use super::rowwise::{Ctx, V};

/// An address and its prefix length (128 when none is written).
fn parse(s: &str) -> Option<(u128, u32)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p.trim().parse::<u32>().ok()?)),
        None => (s, None),
    };
    let dotted = addr.rsplit(':').next().unwrap_or(addr);
    if let Ok(v4) = dotted.parse::<Ipv4Addr>() {
        // a.b.c.d, ::a.b.c.d or ::ffff:a.b.c.d: IPv4-mapped.
        let head = addr.get(..addr.len() - dotted.len()).unwrap_or_default();
        if !matches!(head.to_ascii_lowercase().as_str(), "" | "::" | "::ffff:") {
            return None;
        }
        let p = prefix.map_or(Some(128), |p| (p <= 32).then_some(p + 96))?;
        return Some((u128::from(Ipv4Addr::to_ipv6_mapped(&v4)), p));
    }
    let ip: Ipv6Addr = addr.parse().ok()?;
    let p = prefix.map_or(Some(128), |p| (p <= 128).then_some(p))?;
    Some((u128::from(ip), p))
}

fn mask(prefix: u32) -> u128 {
    if prefix == 0 { 0 } else { u128::MAX << (128 - prefix.min(128)) }
}

/// The canonical form: eight groups of four hex digits.
fn canonical(ip: u128) -> String {
    let g = Ipv6Addr::from(ip).segments();
    g.iter().map(|x| format!("{x:04x}")).collect::<Vec<_>>().join(":")
}

/// `parse_ipv6(ip)`: the canonical form, masked by its prefix; empty when
/// it is no address.
pub fn parse_ipv6(a: &[V], _: &mut Ctx) -> V {
    V::Str(parse(&a[0].text()).map(|(ip, p)| canonical(ip & mask(p))).unwrap_or_default())
}

/// `parse_ipv6_mask(ip, prefix)`: masked by the smaller prefix.
pub fn parse_ipv6_mask(a: &[V], _: &mut Ctx) -> V {
    let m = a.get(1).and_then(V::long).and_then(|m| u32::try_from(m).ok()).filter(|m| *m <= 128);
    match (parse(&a[0].text()), m) {
        (Some((ip, p)), Some(m)) => V::Str(canonical(ip & mask(p.min(m)))),
        _ => V::Str(String::new()),
    }
}

/// `ipv6_compare(a, b [, prefix])`: -1, 0 or 1 under the smallest prefix.
pub fn ipv6_compare(a: &[V], _: &mut Ctx) -> V {
    let (Some((x, px)), Some((y, py))) = (parse(&a[0].text()), parse(&a[1].text())) else { return V::Null };
    let extra = match a.get(2) {
        None => 128,
        Some(v) => match v.long().and_then(|p| u32::try_from(p).ok()).filter(|p| *p <= 128) {
            Some(p) => p,
            None => return V::Null,
        },
    };
    let m = mask(px.min(py).min(extra));
    V::Long(match (x & m).cmp(&(y & m)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// `ipv6_is_match(a, b [, prefix])`.
pub fn ipv6_is_match(a: &[V], ctx: &mut Ctx) -> V {
    match ipv6_compare(a, ctx) {
        V::Long(n) => V::Bool(n == 0),
        other => other,
    }
}

/// `ipv6_is_in_range(ip, range)`: `ip` under the range's prefix.
pub fn ipv6_is_in_range(a: &[V], _: &mut Ctx) -> V {
    let (Some((ip, _)), Some((net, p))) = (parse(&a[0].text()), parse(&a[1].text())) else { return V::Null };
    V::Bool(ip & mask(p) == net & mask(p))
}

/// `ipv6_is_in_any_range(ip, range, ...)` or `(ip, ranges)`.
pub fn ipv6_is_in_any_range(a: &[V], ctx: &mut Ctx) -> V {
    let ranges: Vec<String> = match a.get(1) {
        Some(V::Dyn(J::Array(items))) if a.len() == 2 => {
            items.iter().filter_map(|j| j.as_str().map(String::from)).collect()
        }
        _ => a.iter().skip(1).map(V::text).collect(),
    };
    if parse(&a[0].text()).is_none() {
        return V::Null;
    }
    V::Bool(ranges.into_iter().any(|r| ipv6_is_in_range(&[a[0].clone(), V::Str(r)], ctx) == V::Bool(true)))
}
