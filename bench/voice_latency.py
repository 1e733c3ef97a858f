#!/usr/bin/env python3
"""Key release -> first sound, through a real audio server (issue 7's benchmark).

Starts a private PulseAudio (Tests/Servers/pulse_server.sh) whose pipe source is the
microphone (fed by Tests/Servers/mic_feeder.py) and whose null sink is the speaker, then runs
`clicky talk --json` and asks spoken questions (flite, ~3 s each): Enter, the question into the
microphone, Enter, and reads `first_audio.after_release` — the seconds from the key that ended
the question to the first sample of the reply handed to the speaker. Each question is asked
both ways in one run, alternating: speaking sentence by sentence while the brain writes (ours)
and speaking the whole answer once it is complete (the original app's way, `--speak-whole-answer`).
Prints a Markdown table with medians, the ratio and the date."""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVERS = os.path.join(ROOT, "Tests", "Servers")
QUESTIONS = [
    "what is the capital of france and what is it known for",
    "can you tell me how a rainbow forms in the sky",
    "what should i cook for dinner tonight with some rice",
    "how many planets are there in our solar system",
]


class Talk:
    """A running `clicky talk --json`, its events read on a thread."""

    def __init__(self, clicky, env, extra):
        self.process = subprocess.Popen([clicky, "talk", "--json", "--brain", "local", "--temperature", "0"] + extra,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=env, text=True, bufsize=1)
        self.events = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.append(event)

    def press(self):
        self.process.stdin.write("\n")
        self.process.stdin.flush()

    def wait_for(self, name, turn, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for event in self.events:
                    if event.get("event") == name and event.get("turn") == turn:
                        return event
            if self.process.poll() is not None:
                raise SystemExit("clicky talk ended: " + self.process.stderr.read())
            time.sleep(0.01)
        raise SystemExit(f"no {name} event for turn {turn} within {timeout} s")

    def stages(self, turn, first):
        """Where the time went, from the events' clock: key to the recording handed over, speech
        to text, the brain's first words, the first sound."""
        with self.lock:
            mine = [e for e in self.events if e.get("turn") == turn]
        at = lambda name: next(e["t"] for e in mine if e.get("event") == name)
        released, heard, sound = at("released"), at("heard"), at("first_audio")
        first_text = next((e["t"] for e in mine if e.get("event") == "text"), sound)
        key = sound - first["after_release"]
        return (released - key, heard - released, first_text - heard, sound - first_text)

    def close(self):
        self.process.stdin.write("q\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


def speech(directory, text, index):
    wav = os.path.join(directory, f"q{index}.wav")
    subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", wav], check=True)
    with wave.open(wav) as w:
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    raw = os.path.join(directory, f"q{index}.raw")
    with open(raw, "wb") as f:
        f.write(frames)
    return raw, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clicky", default=os.environ.get("CLICKY_BIN", os.path.join(ROOT, ".build/release/clicky")))
    parser.add_argument("--rounds", type=int, default=2, help="times each question is asked each way")
    parser.add_argument("--max-tokens", default="60")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="clicky-voice-bench-")
    started = subprocess.run([os.path.join(SERVERS, "pulse_server.sh"), "start", directory, str(os.getpid())],
                             capture_output=True, text=True)
    if started.returncode != 0:
        raise SystemExit("could not start PulseAudio: " + started.stderr)
    env = dict(os.environ)
    for line in started.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            env[key] = value
    feeder = subprocess.Popen([sys.executable, os.path.join(SERVERS, "mic_feeder.py"), os.path.join(directory, "mic.fifo")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env)
    try:
        clips = [speech(directory, q, i) for i, q in enumerate(QUESTIONS)]
        results = {"streamed": [], "whole": []}
        # Two buddies at once: each needs its own runtime folder for its control socket (the
        # audio server is reached through PULSE_SERVER either way).
        def own_runtime(way):
            runtime = os.path.join(directory, "runtime-" + way)
            os.makedirs(runtime, mode=0o700, exist_ok=True)
            return dict(env, XDG_RUNTIME_DIR=runtime)
        talks = {"streamed": Talk(args.clicky, own_runtime("streamed"), ["--max-tokens", args.max_tokens]),
                 "whole": Talk(args.clicky, own_runtime("whole"), ["--max-tokens", args.max_tokens, "--speak-whole-answer"])}
        turns = {"streamed": 0, "whole": 0}
        stages = {"streamed": [], "whole": []}
        for _ in range(args.rounds):
            for raw, seconds in clips:
                for way in ("streamed", "whole"):
                    talk = talks[way]
                    turns[way] += 1
                    turn = turns[way]
                    talk.press()
                    talk.wait_for("listening", turn)
                    feeder.stdin.write(f"play {raw}\n")
                    feeder.stdin.flush()
                    while feeder.stdout.readline().strip() != f"played {raw}":
                        pass
                    time.sleep(0.15)   # the audio server passes the last samples on
                    talk.press()
                    first = talk.wait_for("first_audio", turn)
                    talk.wait_for("idle", turn)
                    results[way].append((seconds, first["after_release"]))
                    stages[way].append(talk.stages(turn, first))
        for talk in talks.values():
            talk.close()
    finally:
        feeder.stdin.close()
        feeder.kill()
        subprocess.run([os.path.join(SERVERS, "pulse_server.sh"), "stop", directory], capture_output=True)

    seconds = statistics.mean(s for s, _ in results["streamed"])
    ours = statistics.median(t for _, t in results["streamed"])
    whole = statistics.median(t for _, t in results["whole"])
    print(f"Key release → first sound, SmolLM2-135M Q4_1, Whisper tiny.en, flite slt, {platform.node()} "
          f"({os.cpu_count()} CPUs), {datetime.date.today().isoformat()}; questions {seconds:.1f} s on average, "
          f"{len(results['streamed'])} turns each way through PulseAudio.\n")
    print("| way | median | min | max |")
    print("|---|---|---|---|")
    for way, label in (("streamed", "clicky: speak while thinking"), ("whole", "the original's way: whole answer first")):
        times = [t for _, t in results[way]]
        print(f"| {label} | {statistics.median(times):.2f} s | {min(times):.2f} s | {max(times):.2f} s |")
    print("\nWhere the time goes (medians): key → recording handed over · speech to text · brain's first words · first sound")
    for way in ("streamed", "whole"):
        parts = list(zip(*stages[way]))
        print(f"- {way}: " + " · ".join(f"{statistics.median(p):.3f} s" for p in parts))
    print(f"\nSpeaking while thinking: {ours:.2f} s vs {whole:.2f} s, {whole / ours:.2f}× sooner; target ≤ 0.6 s.")


if __name__ == "__main__":
    main()
