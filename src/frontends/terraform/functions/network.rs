//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`,
//! `cidrsubnets`, as Terraform computes them (IPv4 and IPv6 alike).

use super::{R, arg, to_int, to_str};
use hcl::Value;
use hcl::eval::FuncArgs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network: its first address as a number, its prefix length, and how
/// many bits its addresses have (32 or 128).
#[derive(Debug, Clone, Copy)]
struct Network {
    start: u128,
    prefix: u32,
    bits: u32,
}

impl Network {
    fn parse(text: &str) -> Result<Self, String> {
        let (ip, len) = text
            .split_once('/')
            .ok_or_else(|| format!("invalid CIDR address: {text}"))?;
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("invalid CIDR address: {text}"))?;
        // Go's parser takes the length as decimal digits only.
        if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
            return Err(format!("invalid CIDR address: {text}"));
        }
        let prefix: u32 = len.parse().map_err(|_| "invalid prefix length")?;
        let (addr, bits) = match ip {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        };
        if prefix > bits {
            return Err(format!("invalid CIDR address: {text}"));
        }
        Ok(Self {
            start: addr & mask(prefix, bits),
            prefix,
            bits,
        })
    }

    /// How many addresses a network of `prefix` holds, as a shift.
    fn host_bits(&self, prefix: u32) -> u32 {
        self.bits - prefix
    }

    fn address(&self, n: u128) -> String {
        if self.bits == 32 {
            // Only the low 32 bits are used for IPv4.
            Ipv4Addr::from(u32::try_from(n & 0xffff_ffff).unwrap_or_default()).to_string()
        } else {
            Ipv6Addr::from(n).to_string()
        }
    }
}

/// The mask of a prefix of `prefix` bits among `bits`.
fn mask(prefix: u32, bits: u32) -> u128 {
    let all: u128 = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if prefix == 0 {
        0
    } else {
        all & !(all >> prefix)
    }
}

fn size(host_bits: u32) -> Option<u128> {
    1u128.checked_shl(host_bits)
}

pub(super) fn cidrsubnet(args: FuncArgs) -> R {
    let net = Network::parse(&to_str(arg(&args, 0)?)?)?;
    let newbits = to_int(arg(&args, 1)?)?;
    let netnum = to_int(arg(&args, 2)?)?;
    subnet(&net, newbits, netnum).map(Value::String)
}

fn subnet(net: &Network, newbits: i128, netnum: i128) -> Result<String, String> {
    if newbits < 0 {
        return Err("newbits must not be negative".into());
    }
    let prefix = u32::try_from(newbits)
        .ok()
        .and_then(|n| n.checked_add(net.prefix))
        .filter(|p| *p <= net.bits)
        .ok_or_else(|| {
            format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                net.prefix
            )
        })?;
    let netnum = u128::try_from(netnum).map_err(|_| "netnum must not be negative")?;
    // Past 127 new bits every netnum fits.
    if size(prefix - net.prefix).is_some_and(|count| netnum >= count) {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let start = net.start | (netnum << net.host_bits(prefix));
    Ok(format!("{}/{prefix}", net.address(start)))
}

pub(super) fn cidrsubnets(args: FuncArgs) -> R {
    let net = Network::parse(&to_str(arg(&args, 0)?)?)?;
    let end = net.start + (size(net.host_bits(net.prefix)).unwrap_or(0)).wrapping_sub(1);
    let mut cursor = Some(net.start);
    let mut out = Vec::new();
    for (i, v) in args.iter().enumerate().skip(1) {
        let newbits = to_int(v)?;
        let prefix = u32::try_from(newbits)
            .ok()
            .filter(|n| *n >= 1)
            .and_then(|n| n.checked_add(net.prefix))
            .filter(|p| *p <= net.bits)
            .ok_or_else(|| format!("invalid new bits for subnet {i}: {newbits}"))?;
        let step = size(net.host_bits(prefix)).ok_or("too many subnets")?;
        // Each subnet starts at the next address aligned to its size.
        let start = cursor
            .and_then(|c| c.checked_add(step - 1))
            .map(|c| c & !(step - 1))
            .filter(|s| *s >= net.start && s.checked_add(step - 1).is_some_and(|l| l <= end))
            .ok_or_else(|| {
                format!("not enough remaining address space for a subnet with a prefix of {prefix} bits after the previous ones")
            })?;
        out.push(Value::String(format!("{}/{prefix}", net.address(start))));
        cursor = start.checked_add(step);
    }
    Ok(Value::Array(out))
}

pub(super) fn cidrhost(args: FuncArgs) -> R {
    let net = Network::parse(&to_str(arg(&args, 0)?)?)?;
    let hostnum = to_int(arg(&args, 1)?)?;
    let count = size(net.host_bits(net.prefix));
    let offset = if hostnum < 0 {
        // Counted from the end of the network: -1 is its last address.
        let back = u128::try_from(-hostnum).map_err(|_| "host number out of range")?;
        count.and_then(|c| c.checked_sub(back)).ok_or_else(|| {
            format!(
                "prefix of {} does not accommodate a host numbered {hostnum}",
                net.prefix
            )
        })?
    } else {
        let n = u128::try_from(hostnum).map_err(|_| "host number out of range")?;
        if count.is_some_and(|c| n >= c) {
            return Err(format!(
                "prefix of {} does not accommodate a host numbered {hostnum}",
                net.prefix
            ));
        }
        n
    };
    Ok(Value::String(net.address(net.start | offset)))
}

pub(super) fn cidrnetmask(args: FuncArgs) -> R {
    let net = Network::parse(&to_str(arg(&args, 0)?)?)?;
    if net.bits != 32 {
        return Err("only IPv4 networks have a netmask".into());
    }
    Ok(Value::String(net.address(mask(net.prefix, 32))))
}

#[cfg(test)]
mod tests {
    use super::super::documented::{err, ok};

    // Examples of Terraform's documentation.
    #[test]
    fn cidrsubnet_as_documented() {
        ok(r#"cidrsubnet("172.16.0.0/12", 4, 2)"#, r#""172.18.0.0/16""#);
        ok(r#"cidrsubnet("10.1.2.0/24", 4, 15)"#, r#""10.1.2.240/28""#);
        ok(
            r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
            r#""fd00:fd12:3456:7800:a200::/72""#,
        );
        ok(r#"cidrsubnet("10.0.0.0/16", 8, 4)"#, r#""10.0.4.0/24""#);
        ok(r#"cidrsubnet("::/0", 128, 1)"#, r#""::1/128""#);
        err(r#"cidrsubnet("10.0.0.0/30", 4, 0)"#);
        err(r#"cidrsubnet("10.0.0.0/16", 8, 256)"#);
        err(r#"cidrsubnet("10.0.0.0/16", -1, 0)"#);
        err(r#"cidrsubnet("10.0.0.0", 8, 1)"#);
    }

    #[test]
    fn cidrsubnets_as_documented() {
        ok(
            r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
            r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#,
        );
        ok(
            r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#,
            r#"["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]"#,
        );
        err(r#"cidrsubnets("10.0.0.0/30", 1, 1, 1)"#);
        err(r#"cidrsubnets("10.0.0.0/30", 0)"#);
    }

    #[test]
    fn cidrhost_and_netmask_as_documented() {
        ok(r#"cidrhost("10.12.112.0/20", 16)"#, r#""10.12.112.16""#);
        ok(r#"cidrhost("10.12.112.0/20", 268)"#, r#""10.12.113.12""#);
        ok(
            r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
            r#""fd00:fd12:3456:7890::22""#,
        );
        ok(r#"cidrhost("10.0.0.0/24", -1)"#, r#""10.0.0.255""#);
        err(r#"cidrhost("10.0.0.0/24", 256)"#);
        err(r#"cidrhost("10.0.0.0/24", -257)"#);
        ok(r#"cidrnetmask("172.16.0.0/12")"#, r#""255.240.0.0""#);
        ok(r#"cidrnetmask("0.0.0.0/0")"#, r#""0.0.0.0""#);
        err(r#"cidrnetmask("fd00::/8")"#);
    }
}
