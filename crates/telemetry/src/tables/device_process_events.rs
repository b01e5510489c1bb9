//! `DeviceProcessEvents`: process creation and related events.
//!
//! Columns follow the Defender XDR advanced hunting reference,
//! <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceprocessevents-table>,
//! in its order, then the columns the Microsoft Sentinel (Log Analytics) copy
//! of the table adds, from
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/deviceprocessevents>.

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "DeviceProcessEvents";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        // The event and the device it happened on.
        col("Timestamp", "datetime"),
        col("DeviceId", "string"),
        col("DeviceName", "string"),
        col("ActionType", "string"),
        // The image file of the newly created process.
        col("FileName", "string"),
        col("FolderPath", "string"),
        col("SHA1", "string"),
        col("SHA256", "string"),
        col("MD5", "string"),
        col("FileSize", "long"),
        col("ProcessVersionInfoCompanyName", "string"),
        col("ProcessVersionInfoProductName", "string"),
        col("ProcessVersionInfoProductVersion", "string"),
        col("ProcessVersionInfoInternalFileName", "string"),
        col("ProcessVersionInfoOriginalFileName", "string"),
        col("ProcessVersionInfoFileDescription", "string"),
        // The newly created process.
        col("ProcessId", "long"),
        col("ProcessCommandLine", "string"),
        col("ProcessIntegrityLevel", "string"),
        col("ProcessTokenElevation", "string"),
        col("ProcessCreationTime", "datetime"),
        // The account the new process runs as.
        col("AccountDomain", "string"),
        col("AccountName", "string"),
        col("AccountSid", "string"),
        col("AccountUpn", "string"),
        col("AccountObjectId", "string"),
        col("LogonId", "long"),
        // The account that ran the initiating (parent) process.
        col("InitiatingProcessAccountDomain", "string"),
        col("InitiatingProcessAccountName", "string"),
        col("InitiatingProcessAccountSid", "string"),
        col("InitiatingProcessAccountUpn", "string"),
        col("InitiatingProcessAccountObjectId", "string"),
        col("InitiatingProcessLogonId", "long"),
        col("InitiatingProcessIntegrityLevel", "string"),
        col("InitiatingProcessTokenElevation", "string"),
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
        col("InitiatingProcessParentId", "long"),
        col("InitiatingProcessParentFileName", "string"),
        col("InitiatingProcessParentCreationTime", "datetime"),
        col("InitiatingProcessSignerType", "string"),
        col("InitiatingProcessSignatureStatus", "string"),
        // Event identity and extras. Defender types `AdditionalFields` as a
        // JSON string, Sentinel as `dynamic`; `dynamic` serves queries written
        // for either (`parse_json` of a dynamic value is the value itself).
        col("ReportId", "long"),
        col("AppGuardContainerId", "string"),
        col("AdditionalFields", "dynamic"),
        // Sessions (remote desktop) of the initiating and the created process.
        col("InitiatingProcessSessionId", "long"),
        col("IsInitiatingProcessRemoteSession", "bool"),
        col("InitiatingProcessRemoteSessionDeviceName", "string"),
        col("InitiatingProcessRemoteSessionIP", "string"),
        col("CreatedProcessSessionId", "long"),
        col("IsProcessRemoteSession", "bool"),
        col("ProcessRemoteSessionDeviceName", "string"),
        col("ProcessRemoteSessionIP", "string"),
        // Stable process identities (the Process Start Key on Windows).
        col("ProcessUniqueId", "string"),
        col("InitiatingProcessUniqueId", "string"),
        // Added by the Sentinel copy of the table.
        col("TimeGenerated", "datetime"),
        col("TenantId", "string"),
        col("Type", "string"),
        col("SourceSystem", "string"),
        col("MachineGroup", "string"),
    ])
}
