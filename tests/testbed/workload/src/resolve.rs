//! HOST:PORT to a socket address, without getaddrinfo.
//!
//! A statically linked glibc cannot load NSS modules, so names are looked up in
//! /etc/hosts here (the guest init writes the cluster's names there).

use std::net::{IpAddr, SocketAddr};

/// Resolve `HOST:PORT`, where HOST is an IP address or a name from /etc/hosts.
pub fn resolve(target: &str) -> Result<SocketAddr, String> {
    let (host, port) = target
        .rsplit_once(':')
        .ok_or_else(|| format!("`{target}`: expected HOST:PORT"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{target}`: bad port `{port}`"))?;
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    lookup(&hosts, host)
        .map(|ip| SocketAddr::new(ip, port))
        .ok_or_else(|| format!("`{host}` is neither an address nor a name in /etc/hosts"))
}

fn lookup(hosts: &str, name: &str) -> Option<IpAddr> {
    hosts.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let ip: IpAddr = words.next()?.parse().ok()?;
        words.any(|w| w == name).then_some(ip)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_and_aliases_and_skips_comments() {
        let hosts = "127.0.0.1 localhost\n# 10.0.0.9 g1\n10.77.1.2 g2 peer\n";
        assert_eq!(lookup(hosts, "g2"), "10.77.1.2".parse().ok());
        assert_eq!(lookup(hosts, "peer"), "10.77.1.2".parse().ok());
        assert_eq!(lookup(hosts, "g1"), None);
    }

    #[test]
    fn addresses_pass_through() {
        assert_eq!(
            resolve("10.1.2.3:80").unwrap(),
            "10.1.2.3:80".parse().unwrap()
        );
        assert!(resolve("10.1.2.3").is_err());
        assert!(resolve("10.1.2.3:x").is_err());
    }
}
