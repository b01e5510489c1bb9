//! `DeviceInfo` and `DeviceNetworkInfo` rows from what a source says about
//! the machine its events come from.
//!
//! Defender writes both tables periodically, a reading at a time. dragnet
//! takes a reading from a device's first event in a file that gave rows, and
//! again whenever one of its events falls on another UTC day than its last
//! reading (so one a day in a file in time order): that event gives the
//! row its `Timestamp` (and `TimeGenerated`) and the facts written.
//! A device is its `DeviceName`; an event that names no machine (and no
//! `--device-name` was given) gives no row. `DeviceId` is set only where the
//! source has a machine id (ECS `host.id`), as in the event tables, so the
//! tables join on `DeviceName`.
//!
//! Only what the source says is written, never a guess:
//!
//! | source | `DeviceInfo` | `DeviceNetworkInfo` |
//! |---|---|---|
//! | auditd (raw, ENRICHED, Laurel) | `DeviceName` (`node=`, else `--device-name`), `OSPlatform` `Linux` | none |
//! | Sysmon for Linux | `DeviceName` (`Computer`), `OSPlatform` `Linux` | none |
//! | Tetragon | `DeviceName` (`node_name`), `OSPlatform` `Linux` | none |
//! | Falco | `DeviceName` (`hostname`) | none |
//! | ECS | `DeviceName` (`host.name`, else `host.hostname`), `DeviceId` (`host.id`), `OSPlatform` (`host.os.type`: `linux` → `Linux`, `macos` → `macOS`, `windows` → `Windows`), `OSDistribution` (`host.os.name`), `OSVersion` (`host.os.version`), `OSArchitecture` (`host.architecture`: `64-bit` or `32-bit`); `AdditionalFields` `KernelVersion` (`host.os.kernel`), `Architecture` (`host.architecture` as written), `OSFamily` (`host.os.family`); Auditbeat's host state (`event.dataset` `host`) is a reading each time it comes, `system.audit.host.*` filling what `host.*` lacks | see below |
//!
//! Falco's rule engine runs on other systems too, so a Falco alert says
//! nothing of the platform. ECS lists a host's addresses (`host.ip`) and
//! adapters' MAC addresses (`host.mac`) without saying which adapter holds
//! which address, so its reading is one `DeviceNetworkInfo` row with every
//! address in `IPAddresses` and no adapter, and one row per MAC address
//! (`MacAddress` as written) with no address. `IPAddresses` is Defender's
//! array of `{"IPAddress", "SubnetPrefix", "AddressType"}`: `SubnetPrefix`
//! is null (ECS does not give it), `AddressType` is `Loopback`, `Private`,
//! `Public` ... as `RemoteIPType` is classified ([`super::logon::ip_type`]).
//!
//! The day of each device's last reading is remembered for up to
//! [`MAX_SEEN`] devices a file; past that the memory starts over, so a file
//! of more machines than that may give a device two readings in a day.

use std::borrow::Cow;
use std::collections::HashMap;

use super::device::Extra;
use super::logon::ip_type;
use crate::batch::{Row, Value};
use crate::sink::{FileSink, OutputError, TableId};
use crate::tables::{device_info, device_network_info};

/// How many devices' last readings a file remembers.
pub const MAX_SEEN: usize = 4096;

const DAY_NS: i64 = 86_400_000_000_000;

/// What a source says about one machine. Every part but the name may be unknown.
#[derive(Debug, Default, Clone)]
pub struct HostFacts<'a> {
    /// `DeviceName`.
    pub name: Option<Cow<'a, str>>,
    /// `DeviceId`.
    pub id: Option<Cow<'a, str>>,
    /// `OSPlatform`, as Defender spells it (`Linux`).
    pub os_platform: Option<&'static str>,
    /// `OSDistribution`.
    pub os_distribution: Option<Cow<'a, str>>,
    /// `OSVersion`.
    pub os_version: Option<Cow<'a, str>>,
    /// The machine architecture as the source writes it (`x86_64`).
    pub architecture: Option<Cow<'a, str>>,
    /// The kernel's version.
    pub kernel: Option<Cow<'a, str>>,
    /// The operating system's family (`debian`).
    pub os_family: Option<Cow<'a, str>>,
    /// The machine's addresses.
    pub ips: Vec<Cow<'a, str>>,
    /// Its adapters' MAC addresses.
    pub macs: Vec<Cow<'a, str>>,
}

/// Defender's `OSPlatform` of an ECS `host.os.type`.
pub fn os_platform(os_type: &str) -> Option<&'static str> {
    ["Linux", "macOS", "Windows"].into_iter().find(|p| p.eq_ignore_ascii_case(os_type))
}

/// Defender's `OSArchitecture` (`64-bit`, `32-bit`) of a machine name as
/// `uname -m` or ECS `host.architecture` writes it; `None` for others.
pub fn os_architecture(arch: &str) -> Option<&'static str> {
    match arch.to_ascii_lowercase().as_str() {
        "x86_64" | "amd64" | "x64" | "aarch64" | "arm64" | "ppc64le" | "ppc64" | "s390x" | "riscv64" => Some("64-bit"),
        "i386" | "i486" | "i586" | "i686" | "x86" | "armv7l" | "armv6l" | "arm" => Some("32-bit"),
        _ => None,
    }
}

struct InfoCols {
    id: TableId,
    timestamp: usize,
    time_generated: usize,
    device_id: usize,
    device_name: usize,
    os_platform: usize,
    os_distribution: usize,
    os_version: usize,
    os_architecture: usize,
    additional: usize,
}

struct NetCols {
    id: TableId,
    timestamp: usize,
    time_generated: usize,
    device_id: usize,
    device_name: usize,
    mac: usize,
    ips: usize,
}

/// The day of each device's last reading in one file, and the columns.
#[derive(Default)]
pub struct Inventory {
    seen: HashMap<String, i64>,
    info: Option<InfoCols>,
    net: Option<NetCols>,
}

impl Inventory {
    /// Whether an event of device `name` at `time` is due a reading. Costs
    /// a lookup: sources ask before gathering the facts.
    pub fn due(&self, name: Option<&str>, time: i64) -> bool {
        name.is_some_and(|n| !n.is_empty() && self.seen.get(n) != Some(&time.div_euclid(DAY_NS)))
    }

    /// Writes the device's reading if it is [`due`](Self::due); nothing when
    /// the facts name no device.
    pub fn note(&mut self, out: &mut FileSink<'_, '_>, time: i64, facts: &HostFacts<'_>) -> Result<(), OutputError> {
        let name = facts.name.as_deref().unwrap_or("");
        if !self.due(Some(name), time) {
            return Ok(());
        }
        self.record(out, time, facts)
    }

    /// Writes the device's reading whether or not it is due (a source's
    /// own reading of the machine), and counts it as the day's reading.
    pub fn record(&mut self, out: &mut FileSink<'_, '_>, time: i64, facts: &HostFacts<'_>) -> Result<(), OutputError> {
        let name = facts.name.as_deref().unwrap_or("");
        if name.is_empty() {
            return Ok(());
        }
        if self.seen.len() >= MAX_SEEN && !self.seen.contains_key(name) {
            self.seen.clear();
        }
        self.seen.insert(name.to_string(), time.div_euclid(DAY_NS));
        self.info(out, time, facts)?;
        self.network(out, time, facts)
    }

    fn info(&mut self, out: &mut FileSink<'_, '_>, time: i64, f: &HostFacts<'_>) -> Result<(), OutputError> {
        let c = self.info.get_or_insert_with(|| {
            let id = out.table(device_info::NAME);
            let b = out.builder(id);
            InfoCols {
                id,
                timestamp: b.col("Timestamp"),
                time_generated: b.col("TimeGenerated"),
                device_id: b.col("DeviceId"),
                device_name: b.col("DeviceName"),
                os_platform: b.col("OSPlatform"),
                os_distribution: b.col("OSDistribution"),
                os_version: b.col("OSVersion"),
                os_architecture: b.col("OSArchitecture"),
                additional: b.col("AdditionalFields"),
            }
        });
        let mut row = out.builder(c.id).row();
        row.set(c.timestamp, Value::Time(time)).set(c.time_generated, Value::Time(time));
        set(&mut row, c.device_name, f.name.as_deref());
        set(&mut row, c.device_id, f.id.as_deref());
        set(&mut row, c.os_platform, f.os_platform);
        set(&mut row, c.os_distribution, f.os_distribution.as_deref());
        set(&mut row, c.os_version, f.os_version.as_deref());
        set(&mut row, c.os_architecture, f.architecture.as_deref().and_then(os_architecture));
        let mut extra = Extra::default();
        extra.str("KernelVersion", f.kernel.as_deref()).str("Architecture", f.architecture.as_deref());
        extra.str("OSFamily", f.os_family.as_deref());
        if let Some(text) = extra.finish() {
            row.set(c.additional, Value::Json(Cow::Owned(text)));
        }
        out.push(c.id, &row)
    }

    fn network(&mut self, out: &mut FileSink<'_, '_>, time: i64, f: &HostFacts<'_>) -> Result<(), OutputError> {
        if f.ips.is_empty() && f.macs.is_empty() {
            return Ok(());
        }
        let c = self.net.get_or_insert_with(|| {
            let id = out.table(device_network_info::NAME);
            let b = out.builder(id);
            NetCols {
                id,
                timestamp: b.col("Timestamp"),
                time_generated: b.col("TimeGenerated"),
                device_id: b.col("DeviceId"),
                device_name: b.col("DeviceName"),
                mac: b.col("MacAddress"),
                ips: b.col("IPAddresses"),
            }
        });
        let base = |out: &FileSink<'_, '_>| {
            let mut row = out.builder(c.id).row();
            row.set(c.timestamp, Value::Time(time)).set(c.time_generated, Value::Time(time));
            set(&mut row, c.device_name, f.name.as_deref());
            set(&mut row, c.device_id, f.id.as_deref());
            row
        };
        if !f.ips.is_empty() {
            let mut row = base(out);
            row.set(c.ips, Value::Json(Cow::Owned(ip_addresses(&f.ips))));
            out.push(c.id, &row)?;
        }
        for mac in f.macs.iter().filter(|m| !m.is_empty()) {
            let mut row = base(out);
            row.set(c.mac, Value::str(mac.as_ref()));
            out.push(c.id, &row)?;
        }
        Ok(())
    }
}

fn set<'a>(row: &mut Row<'a>, col: usize, v: Option<&str>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        row.set(col, Value::Str(Cow::Owned(v.to_string())));
    }
}

/// Defender's `IPAddresses` array of `addresses` (see the module docs).
pub fn ip_addresses<S: AsRef<str>>(addresses: &[S]) -> String {
    let items: Vec<serde_json::Value> = addresses
        .iter()
        .map(|a| {
            let a = a.as_ref();
            serde_json::json!({"IPAddress": a, "SubnetPrefix": null, "AddressType": ip_type(a)})
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_and_architectures_are_spelled_as_defender_does() {
        assert_eq!(os_platform("linux"), Some("Linux"));
        assert_eq!(os_platform("macos"), Some("macOS"));
        assert_eq!(os_platform("unix"), None);
        assert_eq!(os_architecture("x86_64"), Some("64-bit"));
        assert_eq!(os_architecture("i686"), Some("32-bit"));
        assert_eq!(os_architecture("mips"), None);
    }

    #[test]
    fn addresses_are_classified_and_have_no_prefix() {
        assert_eq!(
            ip_addresses(&["10.0.0.4", "fe80::1", "8.8.8.8"]),
            concat!(
                r#"[{"IPAddress":"10.0.0.4","SubnetPrefix":null,"AddressType":"Private"},"#,
                r#"{"IPAddress":"fe80::1","SubnetPrefix":null,"AddressType":"LinkLocal"},"#,
                r#"{"IPAddress":"8.8.8.8","SubnetPrefix":null,"AddressType":"Public"}]"#
            )
        );
    }
}
