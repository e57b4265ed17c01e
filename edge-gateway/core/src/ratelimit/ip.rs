//! The key a client is counted under. One client network is one bucket: an IPv4 address, or
//! an IPv6 /64 — the smallest prefix a single subscriber is routinely given, so counting per
//! /128 would hand one client 2^64 fresh buckets.

use super::DAY_MS;
use std::net::IpAddr;

/// The client network an address belongs to, as counted: an IPv4 address as is, an IPv6
/// address as its /64 (`2001:db8:1:2::/64`), an IPv4-mapped IPv6 address as the IPv4
/// address. Anything that is not an address (missing header, garbage) is one shared network,
/// so malformed values cannot be varied to get fresh buckets.
pub fn client_network(ip: &str) -> String {
    match ip.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => String::from("malformed"),
    }
}

/// The key a client IP is counted under: HMAC-SHA256 of its [`client_network`] under a salt
/// derived from the master secret, the tenant and the UTC day, truncated to 128 bits. The
/// salt rotates daily, so stored keys cannot be joined across days or tenants, and the raw IP
/// is never kept.
pub fn ip_key(master_secret: &[u8], tenant_id: &str, ip: &str, now_ms: u64) -> String {
    use base64::Engine as _;
    use hmac::Mac;
    let day = now_ms / DAY_MS;
    let mut salt = crate::mac::new_mac(master_secret);
    salt.update(format!("shopkeep/v1/ip-salt/{tenant_id}/{day}").as_bytes());
    let mut mac = crate::mac::new_mac(&salt.finalize().into_bytes());
    mac.update(client_network(ip).as_bytes());
    let digest = mac.finalize().into_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(ip: &str) -> String {
        ip_key(b"master", "demo", ip, 5)
    }

    #[test]
    fn ip_keys_hide_the_ip_and_rotate_daily_per_tenant() {
        let k = key("203.0.113.9");
        assert!(!k.contains("203"));
        assert_eq!(k, ip_key(b"master", "demo", "203.0.113.9", 6));
        assert_ne!(k, ip_key(b"master", "demo", "203.0.113.9", DAY_MS + 5));
        assert_ne!(k, ip_key(b"master", "acme", "203.0.113.9", 5));
        assert_ne!(k, key("203.0.113.10"));
    }

    #[test]
    fn ipv6_clients_got_a_bucket_per_128_instead_of_per_64() {
        // Two addresses of one /64 are one client network…
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_eq!(key("2001:DB8:1:2:0:0:0:7"), key("2001:db8:1:2::8"));
        // …neighbouring /64s are not.
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db9:1:2::1"));
        assert_eq!(client_network("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_addresses_are_counted_unchanged_and_mapped_ones_as_ipv4() {
        assert_eq!(client_network("203.0.113.9"), "203.0.113.9");
        assert_eq!(client_network(" 203.0.113.9 "), "203.0.113.9");
        assert_ne!(key("203.0.113.9"), key("203.0.113.8"));
        assert_eq!(key("::ffff:203.0.113.9"), key("203.0.113.9"));
    }

    #[test]
    fn malformed_addresses_share_one_bucket() {
        for bad in [
            "",
            "unknown",
            "203.0.113",
            "2001:db8::1::2",
            "fe80::1%eth0",
            "1.2.3.4, 5.6.7.8",
        ] {
            assert_eq!(client_network(bad), "malformed", "{bad:?}");
            assert_eq!(key(bad), key("unknown"), "{bad:?}");
        }
        assert_ne!(key("unknown"), key("203.0.113.9"));
    }

    proptest! {
        #[test]
        fn the_low_64_bits_of_an_ipv6_address_never_change_its_key(
            high in any::<u64>(), a in any::<u64>(), b in any::<u64>(),
        ) {
            let addr = |low: u64| {
                std::net::Ipv6Addr::from((u128::from(high) << 64) | u128::from(low)).to_string()
            };
            // IPv4-mapped addresses (::ffff:a.b.c.d) are counted as IPv4 by design.
            prop_assume!(high != 0);
            prop_assert_eq!(key(&addr(a)), key(&addr(b)));
        }

        #[test]
        fn different_64_prefixes_get_different_keys(h1 in 1u64.., h2 in 1u64.., low in any::<u64>()) {
            prop_assume!(h1 != h2);
            let addr = |high: u64| {
                std::net::Ipv6Addr::from((u128::from(high) << 64) | u128::from(low)).to_string()
            };
            prop_assert_ne!(key(&addr(h1)), key(&addr(h2)));
        }
    }
}
