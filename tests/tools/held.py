#!/usr/bin/env python3
"""held.py: start a command, hold it at a point where it holds secrets, and look at it from outside through /proc.

usage: held.py HOW [--input FILE] [--secrets FILE] [--as-uid UID] -- COMMAND [ARGS...]

HOW says where the command is held:
  tty     stdout (and stdin, and the controlling terminal) is a pseudo-terminal stopped with ^S (IXON): the command
          blocks in its first write to it. stderr goes to ./held.err.
  stdin   stdin is a pipe that gets --input FILE (or nothing) and stays open: the command blocks reading the rest.
          stdout is a pipe read after the checks, stderr ./held.err.
  alive   nothing is held: for commands that stay up by themselves (hush run with a command that waits); the
          checks start when ./held.ready exists (the command creates it), and ./held.go is created after them
          (the command may wait for it). stdout and stderr go to ./held.out and ./held.err.

Once the command is blocked (its wchan is not 0, or ./held.ready exists), prints:
  dumpable: yes | no | unknown (uid 0)   whether the kernel would dump its core: a process that is not dumpable has
                                         its /proc/PID files owned by root, not by its own uid
  core-limit: SOFT HARD                  "Max core file size" of /proc/PID/limits
  memory: ...                            with --secrets (one hex-encoded secret per line): every mapping of the
                                         process is read through /proc/PID/mem, and every occurrence of each secret
                                         is located. "guarded" means an anonymous read-write mapping with an
                                         inaccessible (---p) page right before and right after it, as
                                         sodium_malloc lays out its allocations. Prints one line per occurrence
                                         outside guarded memory (the secret's line number and the mapping, never
                                         the secret), then a summary; "memory: skipped (...)" when /proc/PID/mem
                                         cannot be read (reading a process that is not dumpable needs
                                         CAP_SYS_PTRACE).
then lets the command go (^Q, end of input, ./held.go), waits for it and prints "exit: N".

--as-uid UID runs the command as UID (and its gid), with no supplementary groups: when this script runs as root,
the dumpable check needs a command whose uid is not 0.
"""
import fcntl, os, re, select, subprocess, sys, termios, time

args = sys.argv[1:]
how = args.pop(0)
input_file = secrets_file = None
as_uid = None
while args and args[0] != "--":
    opt = args.pop(0)
    if opt == "--input":
        input_file = args.pop(0)
    elif opt == "--secrets":
        secrets_file = args.pop(0)
    elif opt == "--as-uid":
        as_uid = int(args.pop(0))
    else:
        sys.exit("held.py: unknown option %s" % opt)
argv = args[1:]
secrets = [bytes.fromhex(l.strip()) for l in open(secrets_file)] if secrets_file else []
if any(len(s) < 6 for s in secrets):
    sys.exit("held.py: secrets of fewer than 6 bytes would match by chance")


def pre(tty):
    def f():
        if tty:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if as_uid is not None:
            os.setgroups([])
            os.setgid(as_uid)
            os.setuid(as_uid)
    return f


err = open("held.err", "wb")
master = None
if how == "tty":
    master, slave = os.openpty()
    a = termios.tcgetattr(slave)
    a[0] |= termios.IXON
    termios.tcsetattr(slave, termios.TCSANOW, a)
    os.write(master, b"\x13")  # ^S: output stops until ^Q
    # The line discipline takes the ^S in later, in a kernel work item: until then output still flows, and a command
    # that starts fast (hush scan takes a few ms) would write past the stop and finish. Wait until a non-blocking
    # write to the terminal finds output stopped (the probe bytes that went through reach the master, unread).
    probe = os.open(os.ttyname(slave), os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
    stop_deadline = time.time() + 10
    while True:
        try:
            os.write(probe, b"\0")
        except BlockingIOError:
            break
        if time.time() > stop_deadline:
            sys.exit("held.py: the terminal did not stop its output within 10 s of ^S")
        time.sleep(0.001)
    os.close(probe)
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=err, preexec_fn=pre(True))
    os.close(slave)
elif how == "stdin":
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, preexec_fn=pre(False))
    if input_file:
        p.stdin.write(open(input_file, "rb").read())
        p.stdin.flush()
elif how == "alive":
    for f in ("held.ready", "held.go"):
        if os.path.exists(f):
            os.unlink(f)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=open("held.out", "wb"), stderr=err,
                         preexec_fn=pre(False))
else:
    sys.exit("held.py: HOW is tty, stdin or alive")


def wchan(pid):
    try:
        return open("/proc/%d/wchan" % pid).read().strip()
    except OSError:
        return ""


deadline = time.time() + 30
while True:
    if p.poll() is not None:
        sys.exit("held.py: the command exited (%d) before it could be held; stderr: %s"
                 % (p.returncode, open("held.err", "rb").read()[:400]))
    if how == "alive" and os.path.exists("held.ready"):
        break
    if how != "alive" and wchan(p.pid) not in ("", "0"):
        time.sleep(0.2)  # blocked: make sure it stays so (not a short wait on the way)
        if wchan(p.pid) not in ("", "0") and p.poll() is None:
            break
    if time.time() > deadline:
        p.kill()
        sys.exit("held.py: the command did not block within 30 s")
    time.sleep(0.05)
pid = p.pid

uid = int(re.search(r"^Uid:\s+(\d+)", open("/proc/%d/status" % pid).read(), re.M).group(1))
if uid == 0:
    print("dumpable: unknown (uid 0)")
else:
    print("dumpable: %s" % ("yes" if os.stat("/proc/%d/status" % pid).st_uid == uid else "no"))
for line in open("/proc/%d/limits" % pid):
    if line.startswith("Max core file size"):
        print("core-limit: %s %s" % tuple(line.split()[4:6]))

if secrets:
    maps = []
    for line in open("/proc/%d/maps" % pid):
        f = line.split(None, 5)
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        maps.append((lo, hi, f[1], f[5].strip() if len(f) > 5 else ""))
    try:
        mem = open("/proc/%d/mem" % pid, "rb", buffering=0)
        mem.seek(maps[0][0])
        mem.read(1)
        readable = True
    except OSError as e:
        readable = False
        print("memory: skipped (/proc/PID/mem: %s)" % e.strerror)
    if readable:
        found = guarded = 0
        bad = []
        CHUNK = 16 << 20
        overlap = max(len(s) for s in secrets) - 1
        for k, (lo, hi, perms, name) in enumerate(maps):
            # a mapping over 1 GiB is a sanitizer's shadow memory reservation, not data hush wrote
            if not perms.startswith("r") or name in ("[vvar]", "[vsyscall]") or hi - lo > (1 << 30):
                continue
            before = maps[k - 1] if k > 0 else None
            after = maps[k + 1] if k + 1 < len(maps) else None
            is_guarded = (name == "" and perms.startswith("rw") and before and before[1] == lo and
                          before[2].startswith("---") and after and after[0] == hi and after[2].startswith("---"))
            for c in range(lo, hi, CHUNK):   # read a chunk at a time, each overlapping the next by a secret
                try:
                    mem.seek(c)
                    data = mem.read(min(hi, c + CHUNK + overlap) - c)
                except OSError:
                    continue
                for j, s in enumerate(secrets):
                    at = data.find(s)
                    while 0 <= at < CHUNK:   # a match starting in the overlap is the next chunk's
                        found += 1
                        if is_guarded:
                            guarded += 1
                        else:
                            bad.append("memory: secret %d at offset %#x of %s %s %x-%x (not guarded)"
                                       % (j + 1, c - lo + at, perms, name or "[anonymous]", lo, hi))
                        at = data.find(s, at + 1)
        for b in bad:
            print(b)
        print("memory: %d secrets, %d occurrences, %d in guarded memory, %d elsewhere"
              % (len(secrets), found, guarded, len(bad)))

# let it go
if how == "tty":
    os.write(master, b"\x11")
    os.set_blocking(master, False)
    while p.poll() is None:
        r = select.select([master], [], [], 0.1)[0]
        if r:
            try:
                os.read(master, 65536)
            except OSError:
                break
elif how == "stdin":
    p.stdin.close()
    p.stdout.read()
else:
    open("held.go", "w").close()
p.wait(timeout=60)
print("exit: %d" % p.returncode)
