#!/bin/sh
# A private PulseAudio for the audio tests: a null sink "speaker" (its monitor,
# "speaker.monitor", hears everything played) and a pipe source "mic" fed through DIR/mic.fifo
# (16 kHz mono s16le; the source delivers nothing while nobody writes to the fifo).
#
#   pulse_server.sh start DIR [OWNER_PID]   start it; print the environment a client needs
#   pulse_server.sh stop DIR                stop it and remove what start made in DIR
#
# start prints KEY=VALUE lines: PULSE_SERVER, XDG_RUNTIME_DIR, and for the tests CLICKY_MIC_FIFO
# and CLICKY_SPEAKER_MONITOR. In a shell: `export $(pulse_server.sh start "$dir")`.
# With OWNER_PID, a watchdog stops the daemon when that process ends, so a test process that
# crashes before its tear-down leaves no daemon behind. Everything lives under DIR (its own
# XDG_RUNTIME_DIR and HOME), so daemons of tests run one after another or side by side, as
# root or not, never share a socket, a pid file or a cookie. Clients connect anonymously
# (auth-anonymous=1): they need no cookie, only the socket path.
set -eu

usage() { echo "usage: $0 start DIR [OWNER_PID] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

# Whether PID runs. Not `kill -0`: the daemon outlives this script, so its parent becomes init
# (or whichever subreaper), and an exited daemon can stay a zombie, which `kill -0` still finds,
# until that parent gets round to reaping it.
alive() {
    state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# Stops the pid in FILE (if it still runs), waiting up to 3 s before SIGKILL.
kill_from() {
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    if [ -n "$pid" ] && alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        tries=0
        while alive "$pid" && [ $tries -lt 30 ]; do sleep 0.1; tries=$((tries + 1)); done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

stop() {
    kill_from "$dir/watchdog.pid"
    kill_from "$dir/keeper.pid"
    kill_from "$dir/pulse.pid"
    rm -rf "$dir/runtime" "$dir/home" "$dir/mic.fifo" "$dir/pulse.log"
}

start() {
    owner=${1:-}
    stop                                   # a daemon left in DIR by an earlier run
    mkdir -m 700 "$dir/runtime" "$dir/home"
    socket="$dir/runtime/pulse/native"
    # -n: no default.pa (no hardware detection, no suspend-on-idle); the exit-idle time of -1
    # keeps it up between tests; no pid file, so root's daemons do not collide in /run/pulse.
    # Its stdio goes to a log, never to the caller's pipe, or a reader waiting for our output
    # to end would wait for the daemon.
    env HOME="$dir/home" XDG_RUNTIME_DIR="$dir/runtime" PULSE_SERVER= \
        pulseaudio -n --daemonize=no --exit-idle-time=-1 --use-pid-file=no --system=no \
        --log-target=stderr --log-level=warning \
        -L "module-native-protocol-unix auth-anonymous=1 socket=$socket" \
        -L "module-null-sink sink_name=speaker" \
        -L "module-always-sink" \
        </dev/null >"$dir/pulse.log" 2>&1 &
    echo $! >"$dir/pulse.pid"
    export PULSE_SERVER="unix:$socket" XDG_RUNTIME_DIR="$dir/runtime" HOME="$dir/home"

    tries=0
    until pactl info >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ $tries -ge 100 ] || ! alive "$(cat "$dir/pulse.pid")"; then
            echo "pulse_server.sh: pulseaudio did not answer within 10 s; its log:" >&2
            cat "$dir/pulse.log" >&2 || true
            stop
            exit 1
        fi
        sleep 0.1
    done
    if ! pactl load-module module-pipe-source source_name=mic file="$dir/mic.fifo" \
             format=s16le rate=16000 channels=1 >/dev/null ||
       ! pactl set-default-source mic; then
        echo "pulse_server.sh: cannot set up the mic pipe source" >&2
        stop
        exit 1
    fi

    # The null sink renders silence in blocks as long as its clients allow, 2 s when none asks
    # for less, and a client that arrives mid-block waits for it to end: a recorder got its
    # first audio 2.1 s late and a 1.9 s clip took 3.9 s to play. A recorder on the monitor
    # that asks for 20 ms, for as long as the daemon runs, keeps the blocks short; suspending
    # and resuming the sink ends the 2 s block it started with.
    parecord --device=speaker.monitor --raw --format=s16le --rate=16000 --channels=1 \
        --latency-msec=20 /dev/null </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/keeper.pid"
    tries=0
    until [ -n "$(pactl list short source-outputs 2>/dev/null)" ]; do
        tries=$((tries + 1))
        if [ $tries -ge 100 ]; then
            echo "pulse_server.sh: the monitor keeper did not connect within 5 s" >&2
            stop
            exit 1
        fi
        sleep 0.05
    done
    pactl suspend-sink speaker 1 && pactl suspend-sink speaker 0

    if [ -n "$owner" ]; then
        pulse=$(cat "$dir/pulse.pid")
        (
            while alive "$owner" && alive "$pulse"; do sleep 1; done
            kill -TERM "$pulse" 2>/dev/null || true
        ) </dev/null >/dev/null 2>&1 &
        echo $! >"$dir/watchdog.pid"
    fi

    echo "PULSE_SERVER=unix:$socket"
    echo "XDG_RUNTIME_DIR=$dir/runtime"
    echo "CLICKY_MIC_FIFO=$dir/mic.fifo"
    echo "CLICKY_SPEAKER_MONITOR=speaker.monitor"
}

case "$command" in
    start) shift 2; start "$@" ;;
    stop) stop ;;
    *) usage ;;
esac
