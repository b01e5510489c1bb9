#!/usr/bin/env python3
"""Writes N MB of Sysmon for Linux syslog lines for read_speed: process
creations (1), network connections (3) and file creations (11), each an
<Event> XML element after a BSD syslog prefix.

    python3 scripts/bench/gen_sysmon.py --mb 512 --out /tmp/sysmon.log
"""
from xml.sax.saxutils import escape

from sized import write_sized

CMDS = [("/usr/bin/docker", "docker exec -it web /bin/sh"), ("/usr/local/bin/kubectl", "kubectl get secrets --all-namespaces"),
        ("/usr/bin/curl", "curl http://127.0.0.1:2375/containers/json"), ("/bin/sh", 'sh -c "ls -la /var/run/secrets && id"')]
SYSTEM = ('<System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>%d</EventID><Version>5</Version>'
          '<Level>4</Level><Task>%d</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="%s"/>'
          '<EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID="812" ThreadID="812"/><Channel>Linux-Sysmon/Operational</Channel>'
          '<Computer>node-%d</Computer><Security UserId="0"/></System>')


def data(pairs):
    return "".join('<Data Name="%s">%s</Data>' % (k, escape(str(v))) for k, v in pairs)


def line(rng, i):
    sec = i // 1000
    hh, mm, ss, ms = sec // 3600 % 24, sec // 60 % 60, sec % 60, rng.randrange(1000)
    utc = "2026-11-20 %02d:%02d:%02d.%03d" % (hh, mm, ss, ms)
    iso = "2026-11-20T%02d:%02d:%02d.%03d000000Z" % (hh, mm, ss, ms)
    image, cmd = rng.choice(CMDS)
    pid = rng.randrange(1000, 4000000)
    guid = "{5f3c2a1b-%04x-6740-%04x-000000000000}" % (pid & 0xFFFF, i & 0xFFFF)
    kind = i % 4
    eid = 1 if kind < 2 else (3 if kind == 2 else 11)
    common = [("RuleName", "-"), ("UtcTime", utc), ("ProcessGuid", guid), ("ProcessId", pid), ("Image", image)]
    if eid == 1:
        pairs = common + [("FileVersion", "-"), ("Description", "-"), ("Product", "-"), ("Company", "-"), ("OriginalFileName", "-"),
                          ("CommandLine", cmd), ("CurrentDirectory", "/root"), ("User", "root"), ("LogonGuid", guid), ("LogonId", 0),
                          ("TerminalSessionId", 3), ("IntegrityLevel", "no level"), ("Hashes", "-"), ("ParentProcessGuid", guid),
                          ("ParentProcessId", pid - 3), ("ParentImage", "/usr/bin/bash"), ("ParentCommandLine", "-bash"), ("ParentUser", "root")]
    elif eid == 3:
        pairs = common + [("User", "root"), ("Protocol", "tcp"), ("Initiated", "true"), ("SourceIsIpv6", "false"),
                          ("SourceIp", "10.244.1.%d" % (i % 250)), ("SourceHostname", "-"), ("SourcePort", 30000 + i % 30000),
                          ("SourcePortName", "-"), ("DestinationIsIpv6", "false"), ("DestinationIp", "10.0.0.4"), ("DestinationHostname", "-"),
                          ("DestinationPort", rng.choice([10250, 2375, 443])), ("DestinationPortName", "-")]
    else:
        pairs = common + [("TargetFilename", "/var/run/secrets/kubernetes.io/serviceaccount/f%d" % (i % 100)), ("CreationUtcTime", utc), ("User", "root")]
    event = "<Event>" + SYSTEM % (eid, eid, iso, i, i % 16) + "<EventData>" + data(pairs) + "</EventData></Event>"
    return "Nov 20 %02d:%02d:%02d node-%d sysmon: %s\n" % (hh, mm, ss, i % 16, event)


def main():
    write_sized(__doc__.splitlines()[0], line, "events")


if __name__ == "__main__":
    main()
