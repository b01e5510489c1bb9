//! Sentinel- and Defender-style hunting queries over the tables the newer
//! sources fill, each over the fixture logs under `testdata/logs/`, read
//! as logs by `dragnet query`. The expected rows were worked out by
//! reading each fixture (its golden rows are in `testdata/logs.expected/`).

use std::path::Path;
use std::process::Command;

/// The CSV output of `query` over `logs` (paths under `testdata/logs`).
fn query(logs: &[&str], kql: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/logs");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dragnet"));
    cmd.args(["query", "-q", "--format", "csv", "--now", "2024-01-06T00:00:00Z"]);
    for l in logs {
        cmd.arg("--data").arg(root.join(l));
    }
    let out = cmd.arg(kql).output().expect("run dragnet");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Failed SSH passwords per source address, from the message text, as
/// Sentinel's Syslog SSH hunting queries do.
#[test]
fn syslog_ssh_failed_passwords_by_source() {
    let got = query(
        &["syslog/auth-rfc3164.log", "syslog/rsyslog-high-precision.log"],
        r#"Syslog
| where ProcessName in ("sshd", "sshd-session") and SyslogMessage has "Failed password"
| extend User = extract(@"for (invalid user )?(\S+) from", 2, SyslogMessage),
         SourceIP = extract(@"from (\S+) port", 1, SyslogMessage)
| summarize Attempts = count(), Users = make_set(User) by Computer, SourceIP
| order by SourceIP asc"#,
    );
    assert_eq!(
        got,
        "Computer,SourceIP,Attempts,Users\nweb-1,198.51.100.23,1,\"[\"\"root\"\"]\"\nweb-1,203.0.113.9,1,\"[\"\"admin\"\"]\"\n"
    );
}

/// Successful logons after failures from a public address, Defender style.
#[test]
fn logons_from_public_addresses_that_failed_before() {
    let got = query(
        &["syslog", "journald"],
        r#"let failed = DeviceLogonEvents | where ActionType == "LogonFailed" and RemoteIPType != "Private" | distinct DeviceName;
DeviceLogonEvents
| where DeviceName in (failed)
| summarize Failed = countif(ActionType == "LogonFailed"), Succeeded = countif(ActionType == "LogonSuccess") by DeviceName
| order by DeviceName asc"#,
    );
    assert_eq!(got, "DeviceName,Failed,Succeeded\nbastion,1,0\nnode-1,1,1\nweb-1,2,2\n");
}

/// Errors and worse from the journal, by process, Sentinel style.
#[test]
fn syslog_errors_by_process() {
    let got = query(
        &["journald"],
        r#"Syslog
| where SeverityLevel in ("emerg", "alert", "crit", "err")
| project TimeGenerated, Computer, ProcessName, ProcessID, SyslogMessage"#,
    );
    assert_eq!(
        got,
        "TimeGenerated,Computer,ProcessName,ProcessID,SyslogMessage\n2024-01-05T01:02:05.0000000Z,node-1,kubelet,1400,¿Hi?\n"
    );
}

/// Network logons from auditd's login records, and who failed su.
#[test]
fn auditd_logons_network_and_failed_su() {
    let got = query(
        &["auditd/user-logins.log"],
        r#"DeviceLogonEvents
| where LogonType == "Network" and ActionType == "LogonSuccess"
| project AccountName, RemoteIP, InitiatingProcessFileName, Uid = toint(AdditionalFields.PosixUserId)
| order by RemoteIP asc"#,
    );
    assert_eq!(
        got,
        "AccountName,RemoteIP,InitiatingProcessFileName,Uid\n1000,10.0.0.5,sshd,1000\nalice,10.0.0.6,sshd,1000\nroot,192.168.1.20,sshd,0\n"
    );
    let got = query(
        &["auditd/user-logins.log"],
        r#"DeviceLogonEvents | where ActionType == "LogonFailed" and InitiatingProcessFileName == "su" | project AccountName, LogonId"#,
    );
    assert_eq!(got, "AccountName,LogonId\nroot,7\n");
}

/// Containers that reached for the cloud metadata service or a mining
/// pool, with the pod and namespace the kubelet's paths give.
#[test]
fn container_logs_naming_metadata_service_or_mining_pool() {
    let got = query(
        &["container-logs"],
        r#"ContainerLogV2
| where LogMessage has_any ("169.254.169.254", "stratum+tcp")
| project TimeGenerated, PodNamespace, PodName, ContainerName, LogSource, Id = substring(ContainerId, 0, 12)
| order by TimeGenerated asc"#,
    );
    assert_eq!(
        got,
        "TimeGenerated,PodNamespace,PodName,ContainerName,LogSource,Id\n\
         2021-02-01T16:45:03.0123100Z,,,,stdout,3b2f6c1d0e9a\n\
         2024-01-05T01:03:00.0000000Z,shop,web-7d9f-x2,nginx,stdout,\n"
    );
    let got = query(
        &["container-logs"],
        r#"ContainerLogV2 | where LogLevel in ("error", "warn") | summarize n = count() by LogLevel, PodName | order by LogLevel asc"#,
    );
    assert_eq!(got, "LogLevel,PodName,n\nerror,web-7d9f-x2,1\nwarn,web-7d9f-x2,1\n");
}

/// Warning events about pods, with the node and controller the pod
/// inventory gives, Container Insights style.
#[test]
fn kube_warning_events_joined_with_the_pod_inventory() {
    let got = query(
        &["kubectl"],
        r#"KubeEvents
| where KubeEventType == "Warning" and ObjectKind == "Pod"
| project TimeGenerated, Namespace, Name, Reason, Count
| join kind=leftouter (KubePodInventory | distinct Name, Namespace, Computer, PodStatus) on Name, Namespace
| project TimeGenerated, Namespace, Name, Reason, Count, Computer, PodStatus"#,
    );
    assert_eq!(
        got,
        "TimeGenerated,Namespace,Name,Reason,Count,Computer,PodStatus\n\
         2024-01-05T01:05:00.0000000Z,default,xmrig-5d8c7,BackOff,3,node-1,Terminating\n"
    );
    let got = query(
        &["kubectl"],
        r#"KubePodInventory
| where ContainerStatusReason == "CrashLoopBackOff" or ContainerRestartCount > 3
| project Namespace, Name, Container = tostring(split(ContainerName, "/")[1]), ContainerRestartCount, ControllerKind, ControllerName"#,
    );
    assert_eq!(
        got,
        "Namespace,Name,Container,ContainerRestartCount,ControllerKind,ControllerName\nshop,web-7d9f-x2,sidecar,4,ReplicaSet,web-7d9f\n"
    );
}

/// Nodes that are not ready or under pressure, at their latest reading,
/// Container Insights style.
#[test]
fn kube_nodes_not_ready_or_under_pressure() {
    let got = query(
        &["kubectl/get-nodes.json"],
        r#"KubeNodeInventory
| summarize arg_max(TimeGenerated, *) by Computer
| where not(Status has "Ready") or Status has "Pressure"
| project Computer, Status, KubeletVersion, KubernetesProviderID, DockerVersion, LastTransitionTimeReady"#,
    );
    assert_eq!(
        got,
        "Computer,Status,KubeletVersion,KubernetesProviderID,DockerVersion,LastTransitionTimeReady\n\
         aks-nodepool1-12345678-vmss000001,DiskPressure,v1.26.6,azure,20.10.24+azure-1,2024-01-05T00:52:30.0000000Z\n"
    );
}

/// A Sentinel-style AKS query over the older AzureDiagnostics path (the
/// event's JSON in `log_s`), and the same question over AKSAuditAdmin.
#[test]
fn aks_exec_into_pod_from_azure_diagnostics_and_aks_audit_admin() {
    let got = query(
        &["k8s-audit/aks-diagnostics-records.json"],
        r#"AzureDiagnostics
| where Category in ("kube-audit", "kube-audit-admin")
| extend log_j = parse_json(log_s)
| where tostring(log_j.objectRef.subresource) == "exec"
| project TimeGenerated, Category, User = tostring(log_j.user.username), Pod = tostring(log_j.objectRef.name), Resource, SubscriptionId"#,
    );
    assert_eq!(
        got,
        "TimeGenerated,Category,User,Pod,Resource,SubscriptionId\n\
         2026-11-20T12:00:11.0420000Z,kube-audit-admin,masterclient,atomic-exec-test,AKS-PROD,0B2E9A0C-1111-4222-8333-944445555666\n"
    );
    let got = query(
        &["k8s-audit/aks-diagnostics-records.json"],
        r#"AKSAuditAdmin
| where ObjectRef.subresource == "exec"
| project User = tostring(User.username), Pod = tostring(ObjectRef.name), Verb
| union (AKSAudit | where Verb == "list" | project User = tostring(User.username), Pod = tostring(ObjectRef.resource), Verb)
| order by Verb asc"#,
    );
    assert_eq!(got, "User,Pod,Verb\nmasterclient,atomic-exec-test,create\nmasterclient,secrets,list\n");
}

/// Kernel modules, BPF programs and ptrace from auditd, and a process that
/// made itself root, Defender style.
#[test]
fn device_events_from_auditd() {
    let got = query(
        &["auditd/device-events.log"],
        r#"DeviceEvents
| where ActionType in ("KernelModuleLoad", "BpfProgramLoad", "Ptrace")
| project ActionType, InitiatingProcessFileName, Key = tostring(AdditionalFields.AuditKey), ProcessId
| order by ActionType asc"#,
    );
    assert_eq!(
        got,
        "ActionType,InitiatingProcessFileName,Key,ProcessId\nBpfProgramLoad,bpftrace,bpf,\nKernelModuleLoad,kmod,modules,\nPtrace,gdb,,1970\n"
    );
    let got = query(
        &["auditd/device-events.log"],
        r#"DeviceEvents
| where ActionType == "SetUid" and toint(AdditionalFields.TargetUid) == 0 and InitiatingProcessAccountName != "root"
| project InitiatingProcessFolderPath, InitiatingProcessAccountName"#,
    );
    assert_eq!(got, "InitiatingProcessFolderPath,InitiatingProcessAccountName\n/tmp/exploit,1000\n");
}

/// The latest reading of each Linux device, Defender's inventory style,
/// from ECS host metadata (an Auditbeat host state among it: `db-2`),
/// Sysmon's `Computer` and a Defender export.
#[test]
fn device_info_latest_reading_per_linux_device() {
    let got = query(
        &[
            "ecs/host-metadata-and-library.ndjson",
            "sysmon-linux/service-and-config-events.log",
            "defender/device-inventory-records.jsonl",
        ],
        r#"DeviceInfo
| where OSPlatform == "Linux"
| summarize arg_max(Timestamp, *) by DeviceName
| project DeviceName, OSDistribution, OSVersion, OSArchitecture, PublicIP
| order by DeviceName asc"#,
    );
    assert_eq!(
        got,
        "DeviceName,OSDistribution,OSVersion,OSArchitecture,PublicIP\n\
         db-2,,,,\n\
         node-3,,,,\n\
         node-7.contoso.local,Ubuntu,22.04,64-bit,203.0.113.40\n\
         web-2,Ubuntu,22.04.5 LTS (Jammy Jellyfish),64-bit,\n"
    );
}

/// Each device's private addresses, expanded from `IPAddresses` as
/// Defender's network-inventory queries do.
#[test]
fn device_network_info_private_addresses() {
    let got = query(
        &["ecs/host-metadata-and-library.ndjson", "defender/device-inventory-records.jsonl"],
        r#"DeviceNetworkInfo
| where Timestamp > datetime(2026-11-20) and Timestamp < datetime(2026-11-21)
| mv-expand IPAddresses
| extend IPAddress = tostring(IPAddresses.IPAddress), AddressType = tostring(IPAddresses.AddressType)
| where AddressType == "Private"
| summarize Addresses = make_set(IPAddress) by DeviceName
| order by DeviceName asc"#,
    );
    assert_eq!(
        got,
        "DeviceName,Addresses\nnode-7.contoso.local,\"[\"\"10.1.0.7\"\"]\"\nweb-2,\"[\"\"10.0.1.12\"\",\"\"172.17.0.1\"\"]\"\n"
    );
    let got = query(
        &["ecs/host-metadata-and-library.ndjson"],
        r#"DeviceNetworkInfo | where isnotempty(MacAddress) | summarize Macs = dcount(MacAddress) by DeviceName"#,
    );
    assert_eq!(got, "DeviceName,Macs\nweb-2,2\n");
}

/// Libraries loaded from world-writable folders, with the loading process
/// and the device's platform, as Defender's image-load hunting queries do.
#[test]
fn image_loads_from_temporary_folders() {
    let got = query(
        &[
            "ecs/host-metadata-and-library.ndjson",
            "defender/device-inventory-records.jsonl",
            "tetragon/mmap-library-loads.jsonl",
        ],
        r#"DeviceImageLoadEvents
| where FolderPath startswith "/tmp/" or FolderPath startswith "/dev/shm/" or FolderPath startswith "/var/tmp/"
| join kind=inner (DeviceInfo | distinct DeviceName, OSPlatform) on DeviceName
| project Timestamp, DeviceName, OSPlatform, FileName, InitiatingProcessFileName, InitiatingProcessCommandLine
| order by Timestamp asc"#,
    );
    assert_eq!(
        got,
        "Timestamp,DeviceName,OSPlatform,FileName,InitiatingProcessFileName,InitiatingProcessCommandLine\n\
         2026-11-20T09:00:01.2500000Z,web-2,Linux,libprocesshider.so,python3.10,python3 app.py\n\
         2026-11-20T12:00:03.0000000Z,node-7.contoso.local,Linux,libprocesshider.so,python3.10,python3 app.py\n\
         2026-11-20T13:00:00.1000000Z,node-4,Linux,libx.so,php8.2,php8.2 -f index.php\n"
    );
}

/// Sysmon stopped or reconfigured, and raw reads of block devices: the
/// defence-evasion and credential-access signs Sentinel's Sysmon queries look for.
#[test]
fn sysmon_tampering_and_raw_disk_reads() {
    let got = query(
        &["sysmon-linux"],
        r#"DeviceEvents
| where ActionType in ("SysmonServiceStateChanged", "SysmonConfigStateChanged", "RawAccessRead", "SysmonError")
| extend State = tostring(AdditionalFields.State)
| where ActionType != "SysmonServiceStateChanged" or State == "Stopped"
| project Timestamp, DeviceName, ActionType, State, FolderPath, InitiatingProcessFileName
| order by Timestamp asc"#,
    );
    assert_eq!(
        got,
        "Timestamp,DeviceName,ActionType,State,FolderPath,InitiatingProcessFileName\n\
         2026-11-20T11:00:00.0000000Z,node-3,SysmonServiceStateChanged,Stopped,,\n\
         2026-11-20T11:00:01.0000000Z,node-3,SysmonConfigStateChanged,,/tmp/empty-config.xml,\n\
         2026-11-20T11:00:02.0000000Z,node-3,RawAccessRead,,/dev/sda1,dd\n\
         2026-11-20T11:00:04.0000000Z,node-3,SysmonError,,,\n"
    );
}

/// Devices that logged audit events with no inventory reading from any
/// other source: DeviceInfo from auditd's `node=` joins the event tables.
#[test]
fn device_info_from_audit_nodes_joins_the_event_tables() {
    let got = query(
        &["auditd/node-prefix.log"],
        r#"DeviceProcessEvents
| summarize Processes = count() by DeviceName
| join kind=leftouter (DeviceInfo | project DeviceName, OSPlatform) on DeviceName
| project DeviceName, OSPlatform, Processes
| order by DeviceName asc"#,
    );
    assert_eq!(got, "DeviceName,OSPlatform,Processes\nnode-a,Linux,2\nnode-b,Linux,2\n");
}
