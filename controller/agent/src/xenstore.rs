//! Xenstore facts about a domain's devices, behind a trait.
//!
//! - vif MACs: `/local/domain/0/backend/vif/<domid>/<devid>/mac`, and the dom0
//!   netdev name in `.../vifname` when the guest config renamed it
//! - vbd backing device: `/local/domain/0/backend/vbd/<domid>/<devid>/physical-device`
//!   (`major:minor` in hexadecimal, as the hotplug script writes it), with the
//!   guest-visible name in `.../dev` (e.g. `xvdb`).
//! - The swap disk is the vbd whose `dev` equals the agent's `swap_vdev` setting
//!   (default `xvdb`), unless the admin wrote another name to the domain's own
//!   key `/local/domain/<domid>/reunion/swap-vdev` (e.g. from a guest config's
//!   `xl` hook or by hand with `xenstore-write`).

use std::time::Duration;

use reunion_model::{DomId, MacAddr};

use crate::command::run;
use crate::AgentError;

/// Read access to xenstore.
pub trait Xenstore: Send + Sync {
    /// The value at `path`, or `None` when it does not exist.
    fn read(&self, path: &str) -> Result<Option<String>, AgentError>;
    /// The children of `path` (empty when it does not exist).
    fn list(&self, path: &str) -> Result<Vec<String>, AgentError>;
}

/// Xenstore through the `xenstore-read` and `xenstore-list` tools.
#[derive(Debug, Clone)]
pub struct XenstoreCli {
    /// Path of `xenstore-read`.
    pub read: String,
    /// Path of `xenstore-list`.
    pub list: String,
    /// Timeout per call.
    pub timeout: Duration,
}

impl Xenstore for XenstoreCli {
    fn read(&self, path: &str) -> Result<Option<String>, AgentError> {
        match run(&[self.read.clone(), path.to_string()], &[], self.timeout) {
            Ok(out) => Ok(Some(out.stdout.trim_end_matches('\n').to_string())),
            // xenstore-read exits 1 for a missing path; other failures surface on list.
            Err(AgentError::Command { reason, .. }) if reason.contains("exit status: 1") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn list(&self, path: &str) -> Result<Vec<String>, AgentError> {
        match run(&[self.list.clone(), path.to_string()], &[], self.timeout) {
            Ok(out) => Ok(out.stdout.lines().map(str::to_string).collect()),
            Err(AgentError::Command { reason, .. }) if reason.contains("exit status: 1") => {
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }
}

/// A block device number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DevNumber {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

/// One of a domain's virtual block devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vbd {
    /// Xen device id (e.g. 51728 for xvdb).
    pub devid: u32,
    /// Guest-visible name (`xvdb`), if the backend recorded it.
    pub vdev: Option<String>,
    /// Backing device in dom0, if it is a `phy:` device.
    pub physical_device: Option<DevNumber>,
}

/// One of a domain's network interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vif {
    /// Xen device id.
    pub devid: u32,
    /// The guest's MAC.
    pub mac: MacAddr,
    /// dom0 netdev name: the backend's `vifname` (set by `vifname=` in the
    /// guest config), else Xen's default `vif<domid>.<devid>`.
    pub name: String,
}

/// What xenstore says about one domain's devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainDevices {
    /// Every vif.
    pub vifs: Vec<Vif>,
    /// Every vbd.
    pub vbds: Vec<Vbd>,
    /// The swap disk's vdev name (per-domain override or the default).
    pub swap_vdev: String,
}

impl DomainDevices {
    /// The vbd that is the swap disk, if the domain has one.
    pub fn swap_vbd(&self) -> Option<&Vbd> {
        self.vbds
            .iter()
            .find(|v| v.vdev.as_deref() == Some(self.swap_vdev.as_str()))
    }
}

/// Parses a MAC in `aa:bb:cc:dd:ee:ff` form.
pub fn parse_mac(text: &str) -> Option<MacAddr> {
    let mut mac = [0u8; 6];
    let mut parts = text.trim().split(':');
    for byte in &mut mac {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(MacAddr(mac))
}

/// Parses `physical-device`: `ca:10` (hexadecimal `major:minor`).
pub fn parse_physical_device(text: &str) -> Option<DevNumber> {
    let (major, minor) = text.trim().split_once(':')?;
    Some(DevNumber {
        major: u32::from_str_radix(major, 16).ok()?,
        minor: u32::from_str_radix(minor, 16).ok()?,
    })
}

/// Reads a domain's vifs, vbds and swap convention from xenstore.
pub fn domain_devices(
    xenstore: &dyn Xenstore,
    domid: DomId,
    default_swap_vdev: &str,
) -> Result<DomainDevices, AgentError> {
    let mut devices = DomainDevices {
        swap_vdev: xenstore
            .read(&format!("/local/domain/{}/reunion/swap-vdev", domid.0))?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_swap_vdev.to_string()),
        ..DomainDevices::default()
    };
    let vif_base = format!("/local/domain/0/backend/vif/{}", domid.0);
    for devid in xenstore.list(&vif_base)? {
        let Ok(devid_n) = devid.parse::<u32>() else {
            continue;
        };
        if let Some(mac) = xenstore
            .read(&format!("{vif_base}/{devid}/mac"))?
            .as_deref()
            .and_then(parse_mac)
        {
            let name = xenstore
                .read(&format!("{vif_base}/{devid}/vifname"))?
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("vif{}.{devid}", domid.0));
            devices.vifs.push(Vif {
                devid: devid_n,
                mac,
                name,
            });
        }
    }
    let vbd_base = format!("/local/domain/0/backend/vbd/{}", domid.0);
    for devid in xenstore.list(&vbd_base)? {
        let Ok(devid_n) = devid.parse::<u32>() else {
            continue;
        };
        devices.vbds.push(Vbd {
            devid: devid_n,
            vdev: xenstore.read(&format!("{vbd_base}/{devid}/dev"))?,
            physical_device: xenstore
                .read(&format!("{vbd_base}/{devid}/physical-device"))?
                .as_deref()
                .and_then(parse_physical_device),
        });
    }
    Ok(devices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct MapStore(BTreeMap<String, String>);

    impl Xenstore for MapStore {
        fn read(&self, path: &str) -> Result<Option<String>, AgentError> {
            Ok(self.0.get(path).cloned())
        }
        fn list(&self, path: &str) -> Result<Vec<String>, AgentError> {
            let prefix = format!("{path}/");
            let mut children: Vec<String> = self
                .0
                .keys()
                .filter_map(|k| k.strip_prefix(&prefix))
                .filter_map(|rest| rest.split('/').next())
                .map(str::to_string)
                .collect();
            children.dedup();
            Ok(children)
        }
    }

    fn store(entries: &[(&str, &str)]) -> MapStore {
        MapStore(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn reads_vifs_vbds_and_the_default_swap_disk() {
        let xs = store(&[
            ("/local/domain/0/backend/vif/5/0/mac", "00:16:3e:aa:bb:cc"),
            ("/local/domain/0/backend/vif/5/1/mac", "00:16:3e:aa:bb:cd"),
            ("/local/domain/0/backend/vif/5/1/vifname", "web-eth1"),
            ("/local/domain/0/backend/vbd/5/51712/dev", "xvda"),
            ("/local/domain/0/backend/vbd/5/51712/physical-device", "7:0"),
            ("/local/domain/0/backend/vbd/5/51728/dev", "xvdb"),
            ("/local/domain/0/backend/vbd/5/51728/physical-device", "7:1"),
        ]);
        let devices = domain_devices(&xs, DomId(5), "xvdb").expect("devices");
        assert_eq!(
            devices.vifs,
            vec![
                Vif {
                    devid: 0,
                    mac: MacAddr([0x00, 0x16, 0x3e, 0xaa, 0xbb, 0xcc]),
                    name: "vif5.0".into()
                },
                Vif {
                    devid: 1,
                    mac: MacAddr([0x00, 0x16, 0x3e, 0xaa, 0xbb, 0xcd]),
                    name: "web-eth1".into()
                }
            ]
        );
        let swap = devices.swap_vbd().expect("swap disk");
        assert_eq!(swap.devid, 51728);
        assert_eq!(swap.physical_device, Some(DevNumber { major: 7, minor: 1 }));
    }

    #[test]
    fn per_domain_key_overrides_the_swap_convention() {
        let xs = store(&[
            ("/local/domain/5/reunion/swap-vdev", "xvdc"),
            ("/local/domain/0/backend/vbd/5/51728/dev", "xvdb"),
            ("/local/domain/0/backend/vbd/5/51744/dev", "xvdc"),
            (
                "/local/domain/0/backend/vbd/5/51744/physical-device",
                "fd:3",
            ),
        ]);
        let devices = domain_devices(&xs, DomId(5), "xvdb").expect("devices");
        assert_eq!(devices.swap_vbd().map(|v| v.devid), Some(51744));
        assert_eq!(
            devices.swap_vbd().and_then(|v| v.physical_device),
            Some(DevNumber {
                major: 0xfd,
                minor: 3
            })
        );
    }

    #[test]
    fn malformed_values_are_skipped_not_fatal() {
        assert_eq!(parse_mac("00:16:3e:aa:bb"), None);
        assert_eq!(parse_mac("00:16:3e:aa:bb:cc:dd"), None);
        assert_eq!(parse_physical_device("zz"), None);
        let xs = store(&[("/local/domain/0/backend/vif/5/0/mac", "garbage")]);
        assert!(domain_devices(&xs, DomId(5), "xvdb")
            .expect("devices")
            .vifs
            .is_empty());
    }
}
