//! `DeviceImageLoadEvents`: a process loading a library (a shared object mapped into it).
//!
//! Columns follow the Defender XDR advanced hunting reference,
//! <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceimageloadevents-table>,
//! in its order, then the columns the Microsoft Sentinel (Log Analytics) copy
//! of the table adds, from
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/deviceimageloadevents>.
//! Which source fills which column is written beside each source (ECS: [`crate::sources::ecs`], Tetragon: [`crate::sources::tetragon`]).

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "DeviceImageLoadEvents";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        col("Timestamp", "datetime"),
        col("DeviceId", "string"),
        col("DeviceName", "string"),
        col("ActionType", "string"),
        col("FileName", "string"),
        col("FolderPath", "string"),
        col("SHA1", "string"),
        col("SHA256", "string"),
        col("MD5", "string"),
        col("FileSize", "long"),
        col("InitiatingProcessAccountDomain", "string"),
        col("InitiatingProcessAccountName", "string"),
        col("InitiatingProcessAccountSid", "string"),
        col("InitiatingProcessAccountUpn", "string"),
        col("InitiatingProcessAccountObjectId", "string"),
        col("InitiatingProcessIntegrityLevel", "string"),
        col("InitiatingProcessTokenElevation", "string"),
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
        col("InitiatingProcessParentId", "long"),
        col("InitiatingProcessParentFileName", "string"),
        col("InitiatingProcessParentCreationTime", "datetime"),
        col("ReportId", "long"),
        col("AppGuardContainerId", "string"),
        col("InitiatingProcessSessionId", "long"),
        col("IsInitiatingProcessRemoteSession", "bool"),
        col("InitiatingProcessRemoteSessionDeviceName", "string"),
        col("InitiatingProcessRemoteSessionIP", "string"),
        col("InitiatingProcessUniqueId", "string"),
        col("MachineGroup", "string"),
        col("SourceSystem", "string"),
        col("TenantId", "string"),
        col("TimeGenerated", "datetime"),
        col("Type", "string"),
    ])
}
