//! `DeviceEvents`: what a sensor records that is not a process, file,
//! network, logon or registry event (on Linux: kernel module loads, ptrace,
//! mounts, changes of identity, BPF programs, anonymous memory files).
//!
//! Columns follow the Defender XDR advanced hunting reference,
//! <https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceevents-table>,
//! in its order, then the columns the Microsoft Sentinel (Log Analytics) copy
//! of the table adds, from
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/deviceevents>.
//! Which source fills which column, and the `ActionType` values, are
//! written beside each source (auditd: [`crate::sources::auditd`], Sysmon for
//! Linux: [`crate::sources::sysmon`]).

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "DeviceEvents";

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
        col("AccountDomain", "string"),
        col("AccountName", "string"),
        col("AccountSid", "string"),
        col("RemoteUrl", "string"),
        col("RemoteDeviceName", "string"),
        col("ProcessId", "long"),
        col("ProcessCommandLine", "string"),
        col("ProcessCreationTime", "datetime"),
        col("ProcessTokenElevation", "string"),
        col("LogonId", "long"),
        col("RegistryKey", "string"),
        col("RegistryValueName", "string"),
        col("RegistryValueData", "string"),
        col("RemoteIP", "string"),
        col("RemotePort", "int"),
        col("LocalIP", "string"),
        col("LocalPort", "int"),
        col("FileOriginUrl", "string"),
        col("FileOriginIP", "string"),
        col("InitiatingProcessSHA1", "string"),
        col("InitiatingProcessSHA256", "string"),
        col("InitiatingProcessMD5", "string"),
        col("InitiatingProcessFileName", "string"),
        col("InitiatingProcessFileSize", "long"),
        col("InitiatingProcessFolderPath", "string"),
        col("InitiatingProcessId", "long"),
        col("InitiatingProcessCommandLine", "string"),
        col("InitiatingProcessCreationTime", "datetime"),
        col("InitiatingProcessAccountDomain", "string"),
        col("InitiatingProcessAccountName", "string"),
        col("InitiatingProcessAccountSid", "string"),
        col("InitiatingProcessAccountUpn", "string"),
        col("InitiatingProcessAccountObjectId", "string"),
        col("InitiatingProcessVersionInfoCompanyName", "string"),
        col("InitiatingProcessVersionInfoProductName", "string"),
        col("InitiatingProcessVersionInfoProductVersion", "string"),
        col("InitiatingProcessVersionInfoInternalFileName", "string"),
        col("InitiatingProcessVersionInfoOriginalFileName", "string"),
        col("InitiatingProcessVersionInfoFileDescription", "string"),
        col("InitiatingProcessParentId", "long"),
        col("InitiatingProcessParentFileName", "string"),
        col("InitiatingProcessParentCreationTime", "datetime"),
        col("InitiatingProcessLogonId", "long"),
        col("ReportId", "long"),
        col("AppGuardContainerId", "string"),
        col("AdditionalFields", "dynamic"),
        col("InitiatingProcessSessionId", "long"),
        col("IsInitiatingProcessRemoteSession", "bool"),
        col("InitiatingProcessRemoteSessionDeviceName", "string"),
        col("InitiatingProcessRemoteSessionIP", "string"),
        col("CreatedProcessSessionId", "long"),
        col("IsProcessRemoteSession", "bool"),
        col("ProcessRemoteSessionDeviceName", "string"),
        col("ProcessRemoteSessionIP", "string"),
        col("InitiatingProcessUniqueId", "string"),
        col("MachineGroup", "string"),
        col("SourceSystem", "string"),
        col("TenantId", "string"),
        col("TimeGenerated", "datetime"),
        col("Type", "string"),
    ])
}
