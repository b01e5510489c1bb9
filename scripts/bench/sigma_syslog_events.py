"""Syslog messages for `gen_sigma_events.py`, written twice.

One message (program, pid, text) becomes, for dragnet, a line of a syslog
file, RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PID - - MSG`) for half of the
hosts and RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST APP[PID]: MSG`) for the
others; for rsigma, one flat JSON object with the `Syslog` fields of
`crates/sigma/mapping.yaml` (`Computer`, `HostName`, `Facility`,
`SeverityLevel`, `ProcessName`, `ProcessID`, `SyslogMessage`) and the
logsource: `product: linux` and `service:` the daemon's service (`sshd`,
`cron`, `vsftpd`, `clamav`, `guacamole`) or `syslog` for any other
program.
"""

import json
import time

# Sigma service -> the programs whose messages it is (as the mapping's `where`).
PROGRAMS = {"sshd": ["sshd", "sshd-session"], "cron": ["cron", "crond"], "vsftpd": ["vsftpd"],
            "clamav": ["clamd", "freshclam", "clamscan", "clamonacc"], "guacamole": ["guacd"],
            "syslog": ["systemd", "kernel", "named", "sudo", "bash", "dockerd", "rsyslogd"]}
SERVICE_OF = {p: s for s, ps in PROGRAMS.items() for p in ps}
FACILITIES = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp"]
SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
BENIGN = {"sshd": ["Accepted publickey for azureuser from 10.224.0.9 port 51022 ssh2: RSA SHA256:Qm9v",
                   "pam_unix(sshd:session): session opened for user azureuser(uid=1000) by (uid=0)",
                   "Received disconnect from 10.224.0.9 port 51022:11: disconnected by user"],
          "cron": ["(root) CMD (/usr/lib/php/sessionclean)", "(azureuser) LIST (azureuser)"],
          "vsftpd": ["OK LOGIN: Client \"10.224.0.7\"", "FTP session opened."],
          "clamav": ["/srv/upload/report.pdf: OK", "Database correctly reloaded (8712356 signatures)"],
          "guacamole": ["User \"alice\" joined connection \"$a1b2\" (1 users now present)"],
          "syslog": ["Started Session 42 of User azureuser.", "eth0: Link is Up - 1Gbps/Full",
                     "client @0x7f3a 10.224.0.5#53: query: example.com IN A +E(0)", "pam_unix(sudo:session): session closed for user root",
                     "Container health status changed: healthy", "imuxsock: Acquired UNIX socket '/run/systemd/journal/syslog'"]}


def background(rng):
    service = rng.choice(sorted(PROGRAMS))
    return service, rng.choice(PROGRAMS[service]), rng.choice(BENIGN[service])


def write(rng, host_index, host, service, program, message, when_seconds, when_iso, raw, sig):
    facility = 10 if service == "sshd" else 9 if service == "cron" else rng.randrange(len(FACILITIES))
    severity = rng.choice((3, 4, 5, 6, 6, 6))
    pri = facility * 8 + severity
    pid = rng.randrange(100, 400_000)
    if host_index % 2 == 0:
        raw.write(f"<{pri}>1 {when_iso} {host} {program} {pid} - - {message}\n")
    else:
        stamp = time.strftime("%b %d %H:%M:%S", time.gmtime(int(when_seconds)))
        stamp = stamp[:4] + stamp[4:6].replace("0", " ", 1) + stamp[6:] if stamp[4] == "0" else stamp
        raw.write(f"<{pri}>{stamp} {host} {program}[{pid}]: {message}\n")
    row = {"Computer": host, "HostName": host, "Facility": FACILITIES[facility], "SeverityLevel": SEVERITIES[severity],
           "ProcessName": program, "ProcessID": pid, "SyslogMessage": message,
           "product": "linux", "service": service, "timestamp": when_iso}
    sig.write(json.dumps(row) + "\n")
