//! `DeviceNetworkEvents`: network connections and related events.
//!
//! Columns follow the Defender XDR advanced hunting reference,
//! <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkevents-table>,
//! in its order, then the columns the Microsoft Sentinel (Log Analytics) copy
//! of the table adds, from
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/devicenetworkevents>.
//!
//! The Defender page also lists a `LogonID` that it says "is located inside
//! AdditionalFields/InitiatingProcessPosixEffectiveUser": a key of
//! `AdditionalFields`, not a column, so it is not declared here.

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "DeviceNetworkEvents";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        // The event and the device it happened on.
        col("Timestamp", "datetime"),
        col("DeviceId", "string"),
        col("DeviceName", "string"),
        col("ActionType", "string"),
        // The connection.
        col("RemoteIP", "string"),
        col("RemotePort", "int"),
        col("RemoteUrl", "string"),
        col("LocalIP", "string"),
        col("LocalPort", "int"),
        col("Protocol", "string"),
        col("LocalIPType", "string"),
        col("RemoteIPType", "string"),
        // The initiating process and its image file.
        col("InitiatingProcessSHA1", "string"),
        col("InitiatingProcessSHA256", "string"),
        col("InitiatingProcessMD5", "string"),
        col("InitiatingProcessFileName", "string"),
        col("InitiatingProcessFileSize", "long"),
        col("InitiatingProcessVersionInfoCompanyName", "string"),
        col("InitiatingProcessVersionInfoProductName", "string"),
        col("InitiatingProcessVersionInfoProductVersion", "string"),
        col("InitiatingProcessVersionInfoInternalFileName", "string"),
        col("InitiatingProcessVersionInfoOriginalFileName", "string"),
        col("InitiatingProcessVersionInfoFileDescription", "string"),
        col("InitiatingProcessId", "long"),
        col("InitiatingProcessCommandLine", "string"),
        col("InitiatingProcessCreationTime", "datetime"),
        col("InitiatingProcessFolderPath", "string"),
        // The initiating process's parent.
        col("InitiatingProcessParentFileName", "string"),
        col("InitiatingProcessParentId", "long"),
        col("InitiatingProcessParentCreationTime", "datetime"),
        // The account that ran the initiating process.
        col("InitiatingProcessAccountDomain", "string"),
        col("InitiatingProcessAccountName", "string"),
        col("InitiatingProcessAccountSid", "string"),
        col("InitiatingProcessAccountUpn", "string"),
        col("InitiatingProcessAccountObjectId", "string"),
        col("InitiatingProcessIntegrityLevel", "string"),
        col("InitiatingProcessTokenElevation", "string"),
        // Event identity and extras. Defender types `AdditionalFields` as a
        // JSON string, Sentinel as `dynamic`; `dynamic` serves queries written
        // for either (`parse_json` of a dynamic value is the value itself).
        col("ReportId", "long"),
        col("AppGuardContainerId", "string"),
        col("AdditionalFields", "dynamic"),
        // Session (remote desktop) of the initiating process.
        col("InitiatingProcessSessionId", "long"),
        col("IsInitiatingProcessRemoteSession", "bool"),
        col("InitiatingProcessRemoteSessionDeviceName", "string"),
        col("InitiatingProcessRemoteSessionIP", "string"),
        // Stable identity of the initiating process (the Process Start Key on
        // Windows).
        col("InitiatingProcessUniqueId", "string"),
        // Added by the Sentinel copy of the table.
        col("TimeGenerated", "datetime"),
        col("TenantId", "string"),
        col("Type", "string"),
        col("SourceSystem", "string"),
        col("MachineGroup", "string"),
    ])
}
