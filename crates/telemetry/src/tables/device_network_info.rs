//! `DeviceNetworkInfo`: the machine's network adapters and their addresses, written periodically.
//!
//! Columns follow the Defender XDR advanced hunting reference,
//! <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkinfo-table>,
//! in its order, then the columns the Microsoft Sentinel (Log Analytics) copy
//! of the table adds, from
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/devicenetworkinfo>.
//! Which source fills which column: [`crate::sources::device_info`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "DeviceNetworkInfo";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("Timestamp", "datetime"),
        col("DeviceId", "string"),
        col("DeviceName", "string"),
        col("NetworkAdapterName", "string"),
        col("MacAddress", "string"),
        col("NetworkAdapterType", "string"),
        col("NetworkAdapterStatus", "string"),
        col("TunnelType", "string"),
        col("ConnectedNetworks", "dynamic"),
        col("DnsAddresses", "dynamic"),
        col("IPv4Dhcp", "string"),
        col("IPv6Dhcp", "string"),
        col("DefaultGateways", "dynamic"),
        col("IPAddresses", "dynamic"),
        col("ReportId", "long"),
        col("NetworkAdapterVendor", "string"),
        col("OnboardingStatus", "string"),
        col("NetworkAdapterDnsSuffix", "string"),
        col("MachineGroup", "string"),
        col("SourceSystem", "string"),
        col("TenantId", "string"),
        col("TimeGenerated", "datetime"),
        col("Type", "string"),
    ])
}
