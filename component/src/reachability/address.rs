//! Address classes: private (a virtual network), loopback, link-local, reserved, public.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bindings::exports::azspeech::core::reachability::AddressClass;

/// The class of `address`; `None` when it is not an IP address.
pub fn classify(address: &str) -> Option<AddressClass> {
    let address: IpAddr = address
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    Some(match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    })
}

fn classify_v4(address: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = address.octets();
    if address.is_loopback() {
        AddressClass::Loopback
    } else if address.is_private() || (a == 100 && (64..128).contains(&b)) {
        AddressClass::Private
    } else if address.is_link_local() {
        AddressClass::LinkLocal
    } else if address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        || a == 0
        || a >= 240
        || (a, b, c) == (192, 0, 2)
        || (a, b, c) == (198, 51, 100)
        || (a, b, c) == (203, 0, 113)
        || (a == 198 && (b == 18 || b == 19))
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(address: Ipv6Addr) -> AddressClass {
    let first = address.segments()[0];
    if address.is_loopback() {
        AddressClass::Loopback
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::Private
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if address.is_unspecified() || address.is_multicast() || (first == 0x2001 && address.segments()[1] == 0x0db8)
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classes() {
        for (address, class) in [
            ("10.1.2.3", AddressClass::Private),
            ("172.16.0.4", AddressClass::Private),
            ("172.31.255.254", AddressClass::Private),
            ("172.32.0.1", AddressClass::Public),
            ("192.168.10.5", AddressClass::Private),
            ("100.64.0.1", AddressClass::Private),
            ("100.127.255.1", AddressClass::Private),
            ("100.128.0.1", AddressClass::Public),
            ("127.0.0.1", AddressClass::Loopback),
            ("127.8.9.10", AddressClass::Loopback),
            ("169.254.169.254", AddressClass::LinkLocal),
            ("203.0.113.7", AddressClass::Reserved),
            ("0.0.0.0", AddressClass::Reserved),
            ("224.0.0.1", AddressClass::Reserved),
            ("20.50.1.2", AddressClass::Public),
            ("::1", AddressClass::Loopback),
            ("[fd12:3456::5]", AddressClass::Private),
            ("fc00::1", AddressClass::Private),
            ("fe80::1", AddressClass::LinkLocal),
            ("2001:db8::1", AddressClass::Reserved),
            ("2603:1020::1", AddressClass::Public),
            ("::ffff:10.0.0.1", AddressClass::Private),
            ("::ffff:127.0.0.1", AddressClass::Loopback),
        ] {
            assert_eq!(classify(address), Some(class), "{address}");
        }
        assert_eq!(classify("contoso.com"), None);
    }
}
