//! The socket address of a `SOCKADDR` record: `saddr=` is the hex of the
//! `struct sockaddr` the process passed, as many bytes as its length
//! argument.
//!
//! The first two bytes are the family, in the machine's byte order (on a
//! big-endian machine `0002` is `AF_INET`). For `AF_INET` (2) there follow
//! the port (2 bytes, network order) and the address (4 bytes); for
//! `AF_INET6` (10) the port, 4 bytes of flow information and the 16-byte
//! address; for `AF_UNIX` (1) the path, ended by a NUL byte, or for an
//! abstract socket a NUL byte and then the name (written here as `@name`,
//! as `ss` and `netstat` do).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A decoded socket address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockAddr {
    /// An IPv4 or IPv6 address and port.
    Inet(IpAddr, u16),
    /// A Unix socket path (`@name` for an abstract one).
    Unix(String),
    /// An unnamed Unix socket, or another family (netlink, ...): nothing
    /// a table holds.
    Other,
}

const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// Decodes the bytes of `saddr`; `None` when they are too short for
/// their family.
pub fn decode(b: &[u8]) -> Option<SockAddr> {
    if b.len() < 2 {
        return None;
    }
    let le = u16::from_le_bytes([b[0], b[1]]);
    let be = u16::from_be_bytes([b[0], b[1]]);
    let family = if matches!(le, AF_UNIX | AF_INET | AF_INET6) { le } else { be };
    let rest = &b[2..];
    Some(match family {
        AF_INET => {
            let port = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
            let a: [u8; 4] = rest.get(2..6)?.try_into().ok()?;
            SockAddr::Inet(IpAddr::V4(Ipv4Addr::from(a)), port)
        }
        AF_INET6 => {
            let port = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]);
            let a: [u8; 16] = rest.get(6..22)?.try_into().ok()?;
            SockAddr::Inet(IpAddr::V6(Ipv6Addr::from(a)), port)
        }
        AF_UNIX => match rest.first() {
            None => SockAddr::Other,
            Some(0) => {
                let name = &rest[1..];
                let end = name.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                if end == 0 {
                    return Some(SockAddr::Other);
                }
                SockAddr::Unix(format!("@{}", String::from_utf8_lossy(&name[..end])))
            }
            Some(_) => {
                let end = memchr::memchr(0, rest).unwrap_or(rest.len());
                SockAddr::Unix(String::from_utf8_lossy(&rest[..end]).into_owned())
            }
        },
        _ => SockAddr::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(super::super::record::unhex_into(s.as_bytes(), &mut out));
        out
    }

    #[test]
    fn inet_inet6_unix_and_abstract() {
        // AF_INET, port 0x0947 = 2375, 127.0.0.1, 8 bytes of zero padding.
        assert_eq!(
            decode(&hex("020009477F0000010000000000000000")),
            Some(SockAddr::Inet("127.0.0.1".parse().unwrap(), 2375))
        );
        // Big-endian family.
        assert_eq!(
            decode(&hex("000200500A0000010000000000000000")),
            Some(SockAddr::Inet("10.0.0.1".parse().unwrap(), 80))
        );
        // AF_INET6, port 443, flow 0, 2001:db8::1, scope 0.
        assert_eq!(
            decode(&hex("0A0001BB0000000020010DB800000000000000000000000100000000")),
            Some(SockAddr::Inet("2001:db8::1".parse().unwrap(), 443))
        );
        // AF_UNIX /var/run/docker.sock, NUL-terminated.
        assert_eq!(
            decode(&hex("01002F7661722F72756E2F646F636B65722E736F636B00")),
            Some(SockAddr::Unix("/var/run/docker.sock".into()))
        );
        // Abstract: a NUL, then the name.
        assert_eq!(decode(&hex("0100006162")), Some(SockAddr::Unix("@ab".into())));
        assert_eq!(decode(&hex("0100")), Some(SockAddr::Other), "an unnamed socket");
        assert_eq!(decode(&hex("1000")), Some(SockAddr::Other), "netlink");
        assert_eq!(decode(&hex("0200")), None, "too short for AF_INET");
        assert_eq!(decode(&hex("02")), None);
    }
}
