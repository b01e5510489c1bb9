//! `LinuxAuditLog`: the Linux audit log, one row per audit record (SYSCALL,
//! EXECVE, PATH, CWD, PROCTITLE, USER_*, ...), as the Log Analytics agent
//! collected it.
//!
//! Columns and types are those of the Azure Monitor table reference,
//! <https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/linuxauditlog>.
//! Its columns are named after the audit fields they hold (`a0`, `comm`,
//! `exe`, `key`...), in lower case as the kernel writes them; the page
//! lists them alphabetically, and here they follow a record's parts: when
//! and where, which record, the process, the call, the file, the user-space
//! message, then the Log Analytics standard columns (the billing columns
//! `_BilledSize` and `_IsBillable` are left out).
//!
//! dragnet adds four columns the reference lacks, because Sigma's auditd
//! rules match on them: `nametype` and `proctitle` (fields of PATH and
//! PROCTITLE records), `unit` (the service of SERVICE_START/STOP records),
//! and `Fields`, a `dynamic` bag of every field of the record, decoded, so
//! nothing the columns leave out is lost. How the auditd reader fills
//! them is written beside it: [`crate::sources::auditd::raw`].

use arrow_schema::Schema;

use super::col;

/// The table name.
pub const NAME: &str = "LinuxAuditLog";

/// The table's schema.
pub fn schema() -> Schema {
    Schema::new(vec![
        // When and where.
        col("TimeGenerated", "datetime"),
        col("TimeUploaded", "datetime"),
        col("Computer", "string"),
        col("node", "string"),
        col("hostname", "string"),
        col("vm", "string"),
        // Which record.
        col("RecordType", "string"),
        col("AuditID", "string"),
        col("SerialNumber", "string"),
        col("RawRecord", "string"),
        // The process and its identities.
        col("pid", "long"),
        col("ppid", "long"),
        col("comm", "string"),
        col("exe", "string"),
        col("cwd", "string"),
        col("proctitle", "string"),
        col("uid", "long"),
        col("user", "string"),
        col("auid", "long"),
        col("audit_user", "string"),
        col("euid", "long"),
        col("effective_user", "string"),
        col("gid", "long"),
        col("group", "string"),
        col("egid", "long"),
        col("effective_group", "string"),
        col("ses", "long"),
        col("tty", "string"),
        col("terminal", "string"),
        // The system call and its arguments (EXECVE: the program's).
        col("arch", "string"),
        col("syscall", "string"),
        col("success", "string"),
        col("exit", "string"),
        col("argc", "long"),
        col("a0", "string"),
        col("a1", "string"),
        col("a2", "string"),
        col("a3", "string"),
        col("a4", "string"),
        col("a5", "string"),
        col("a6", "string"),
        col("a7", "string"),
        col("a8", "string"),
        col("a9", "string"),
        col("key", "string"),
        // A file (PATH) or a socket.
        col("name", "string"),
        col("nametype", "string"),
        col("filetype", "string"),
        col("path", "string"),
        col("family", "string"),
        col("icmptype", "string"),
        // User-space messages (USER_*, SERVICE_*, ADD_USER...).
        col("op", "string"),
        col("acct", "string"),
        col("addr", "string"),
        col("cmd", "string"),
        col("unit", "string"),
        col("data", "string"),
        col("res", "string"),
        col("result", "string"),
        // Every field, decoded.
        col("Fields", "dynamic"),
        // Log Analytics standard columns.
        col("ComputerEnvironment", "string"),
        col("ExternalAgentIp", "string"),
        col("ManagementGroup", "string"),
        col("ManagementGroupName", "string"),
        col("ResourceId", "string"),
        col("SourceComputerId", "string"),
        col("Type", "string"),
        col("_ResourceId", "string"),
        col("_SubscriptionId", "string"),
    ])
}
