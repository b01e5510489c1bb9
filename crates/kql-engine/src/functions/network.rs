//! IPv4 functions. Addresses may carry a prefix (`10.1.2.3/24`); text that
//! is no address gives null.

use super::rowwise::{Ctx, V};

/// An address and its prefix length (32 when none is written).
pub(crate) fn parse(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (s, 32),
    };
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    Some((u32::from(ip), prefix))
}

/// The netmask of a prefix length (0 to 32).
pub(crate) fn mask(prefix: u32) -> u32 {
    if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) }
}

/// `ipv4_is_private(ip)`: 10/8, 172.16/12, 192.168/16.
pub fn ipv4_is_private(a: &[V], _: &mut Ctx) -> V {
    let Some((ip, _)) = parse(&a[0].text()) else { return V::Null };
    let private = ip >> 24 == 10 || ip >> 20 == (172 << 4 | 1) || ip >> 16 == (192 << 8 | 168);
    V::Bool(private)
}

/// `ipv4_is_in_range(ip, range)`.
pub fn ipv4_is_in_range(a: &[V], _: &mut Ctx) -> V {
    let (Some((ip, _)), Some((net, p))) = (parse(&a[0].text()), parse(&a[1].text())) else { return V::Null };
    V::Bool(ip & mask(p) == net & mask(p))
}

/// `ipv4_is_in_any_range(ip, ranges...)`.
pub fn ipv4_is_in_any_range(a: &[V], ctx: &mut Ctx) -> V {
    let ranges: Vec<String> = match a.get(1) {
        Some(V::Dyn(serde_json::Value::Array(items))) => {
            items.iter().filter_map(|j| j.as_str().map(String::from)).collect()
        }
        _ => a[1..].iter().map(V::text).collect(),
    };
    for r in ranges {
        if ipv4_is_in_range(&[a[0].clone(), V::Str(r)], ctx) == V::Bool(true) {
            return V::Bool(true);
        }
    }
    V::Bool(false)
}

/// `ipv4_compare(a, b [, prefix])`: -1, 0 or 1 under the smallest prefix.
pub fn ipv4_compare(a: &[V], _: &mut Ctx) -> V {
    let (Some((x, px)), Some((y, py))) = (parse(&a[0].text()), parse(&a[1].text())) else { return V::Null };
    let p = px.min(py).min(a.get(2).and_then(V::long).map(|n| n.clamp(0, 32) as u32).unwrap_or(32));
    let (x, y) = (x & mask(p), y & mask(p));
    V::Long(match x.cmp(&y) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// `parse_ipv4(ip)`: the address as a long.
pub fn parse_ipv4(a: &[V], _: &mut Ctx) -> V {
    match parse(&a[0].text()) {
        Some((ip, p)) => V::Long((ip & mask(p)) as i64),
        None => V::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&[V], &mut Ctx) -> V, a: &[&str]) -> V {
        let v: Vec<V> = a.iter().map(|s| V::Str(s.to_string())).collect();
        f(&v, &mut Ctx::default())
    }

    #[test]
    fn ipv4_from_the_docs() {
        assert_eq!(run(ipv4_is_private, &["192.168.1.1/24"]), V::Bool(true));
        assert_eq!(run(ipv4_is_private, &["10.1.2.3/24"]), V::Bool(true));
        assert_eq!(run(ipv4_is_private, &["202.1.2.3"]), V::Bool(false));
        assert_eq!(run(ipv4_is_private, &["127.0.0.1"]), V::Bool(false));
        assert_eq!(run(ipv4_is_private, &["172.31.0.1"]), V::Bool(true));
        assert_eq!(run(ipv4_is_in_range, &["192.168.1.1", "192.168.1.255/24"]), V::Bool(true));
        assert_eq!(run(ipv4_compare, &["192.168.1.1/30", "192.168.1.255/24"]), V::Long(0));
        assert_eq!(run(ipv4_compare, &["10.0.0.1", "10.0.0.2"]), V::Long(-1));
        assert_eq!(run(ipv4_is_private, &["not an ip"]), V::Null);
    }
}
