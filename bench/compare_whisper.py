#!/usr/bin/env python3
"""Our Whisper tiny.en and faster-whisper side by side on the test speech (issue 6).

usage (through bench/compare-whisper, which builds clicky and the venv and passes the paths):
  compare_whisper.py --clicky BIN [--threads 1 2] [--runs 3] [--only u04 u26 …] [--json]
  compare_whisper.py --peer-only [...]     faster-whisper alone (no clicky needed)

Cases: every utterance of Tests/Fixtures/speech/utterances.json, plus a synthetic ~5 s one (the
two 16 kHz utterances whose concatenation with 0.3 s of silence between them comes closest to
5 s, written to a temporary 16-bit WAV).

For each thread count the faster-whisper model is loaded once in this process, as a long-running
user would hold it, with `cpu_threads=T`; then, for every case and run, A B A B …: our
`clicky transcribe FILE --json --threads T` in a fresh process, then faster-whisper's transcribe
on the same samples. Both decode the same way (see scripts/whisper/faster_whisper_reference.py:
float32 compute, one greedy pass, no timestamps, no fallback, no VAD). Medians of --runs.

Times reported:
  ours internal   `seconds` from our JSON: the transcription as our code measures it
  ours process    wall time of the whole clicky process (start-up, model load, WAV read,
                  transcription, exit) — what a one-shot command-line user pays
  faster-whisper  wall time of transcribe() with the segments consumed, model already loaded,
                  16 kHz float32 samples already in memory
RTF = time / audio seconds (below 1 is faster than real time); ratio = ours / faster-whisper
(below 1: ours is faster). Transcripts: `=` identical, `≈` the same words after normalisation
(digits spelled out, punctuation and case dropped), `≠` different words. Totals cover the
fixture utterances (not the synthetic one); WER is against the spoken texts.
"""
import argparse, datetime, json, os, platform, statistics, subprocess, sys, tempfile, time, wave

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "whisper"))
import faster_whisper_reference as ref  # noqa: E402  (the decoding options and helpers, in one place)

parser = argparse.ArgumentParser()
parser.add_argument("--clicky", help="the clicky binary (built with -c release)")
parser.add_argument("--peer-only", action="store_true", help="measure faster-whisper alone")
parser.add_argument("--model-dir", default=ref.DEFAULT_MODEL_DIR)
parser.add_argument("--speech-dir", default=ref.DEFAULT_SPEECH_DIR)
parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--only", nargs="+", metavar="PREFIX", help="only the utterances whose file starts so")
parser.add_argument("--no-synthetic", action="store_true", help="skip the ~5 s concatenated case")
parser.add_argument("--json", action="store_true", help="print JSON (medians and transcripts) instead of the table")
args = parser.parse_args()

SYNTHETIC_GAP = 0.3      # seconds of silence between the two utterances
SYNTHETIC_TARGET = 5.0


def fail(message):
    print(f"compare-whisper: {message}", file=sys.stderr)
    sys.exit(1)


def check_clicky():
    """Refuse clearly when the binary has no `transcribe` command (yet)."""
    if not args.clicky:
        fail("--clicky BIN is required (or --peer-only to measure faster-whisper alone)")
    if not (os.path.isfile(args.clicky) and os.access(args.clicky, os.X_OK)):
        fail(f"{args.clicky} is not an executable; build it with `swift build -c release --product clicky`")
    probe = subprocess.run([args.clicky, "transcribe", "--help"], capture_output=True, text=True)
    if probe.returncode != 0 or "clicky transcribe" not in probe.stdout + probe.stderr:
        fail(f"`{args.clicky} transcribe` is not available (the Swift transcriber has not landed in "
             "this build, or the binary is stale). Rebuild, or run with --peer-only to measure "
             "faster-whisper alone.")


def cpu_name():
    fields = {}
    for line in open("/proc/cpuinfo"):
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = fields.get("flags", "").split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{fields.get('model name', platform.processor())} ({isa})"


def read_pcm(path):
    with wave.open(path, "rb") as w:
        return w.readframes(w.getnframes()), w.getframerate()


def synthetic_case(utterances, directory):
    """The pair of 16 kHz utterances closest to 5 s together, joined by 0.3 s of silence."""
    usable = [u for u in utterances if u["sample_rate"] == ref.SAMPLE_RATE]
    pairs = [(abs(a["seconds"] + SYNTHETIC_GAP + b["seconds"] - SYNTHETIC_TARGET), i, j)
             for i, a in enumerate(usable) for j, b in enumerate(usable) if i < j]
    if not pairs:
        return None
    _, i, j = min(pairs)
    first, second = usable[i], usable[j]
    pcm_a, _ = read_pcm(os.path.join(args.speech_dir, first["file"]))
    pcm_b, _ = read_pcm(os.path.join(args.speech_dir, second["file"]))
    path = os.path.join(directory, "synthetic_5s.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(ref.SAMPLE_RATE)
        w.writeframes(pcm_a + b"\0\0" * int(SYNTHETIC_GAP * ref.SAMPLE_RATE) + pcm_b)
    name = f"5s = {first['file'][:3]}+{second['file'][:3]}"
    return {"name": name, "path": path, "text": first["text"] + " " + second["text"], "synthetic": True}


def ours(path, threads):
    command = [args.clicky, "transcribe", path, "--json", "--threads", str(threads)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        fail(f"{' '.join(command)} printed no JSON: {done.stdout[:200]!r}")
    return {"text": report["text"].strip(), "seconds": report["seconds"], "process_seconds": wall,
            "audio_seconds": report.get("audio_seconds"), "real_time_factor": report.get("real_time_factor"),
            "timings": report.get("timings")}


def median_of(samples, key):
    values = [s[key] for s in samples if s.get(key) is not None]
    return statistics.median(values) if values else None


def marker(a, b):
    if a is None:
        return ""
    if a == b:
        return "="
    return "≈" if ref.normalize_words(a) == ref.normalize_words(b) else "≠"


def measure(cases, threads):
    import faster_whisper  # noqa: F401  (fail early and clearly if not in the venv)
    start = time.perf_counter()
    model = ref.load_model(args.model_dir, threads)
    load_seconds = time.perf_counter() - start
    ref.transcribe(model, ref.load_16k(cases[0]["path"])[0])  # warm-up
    if not args.peer_only:
        ours(cases[0]["path"], threads)                       # warm-up: page cache, first start
    rows = []
    for case in cases:
        audio, rate, _ = ref.load_16k(case["path"])
        mine, theirs = [], []
        for run in range(args.runs):
            if not args.peer_only:
                mine.append(ours(case["path"], threads))             # A
            theirs.append(ref.transcribe(model, audio))             # B
        row = {
            "case": case["name"], "file": os.path.basename(case["path"]), "threads": threads,
            "input_rate": rate, "audio_seconds": len(audio) / ref.SAMPLE_RATE,
            "synthetic": case.get("synthetic", False), "reference": case["text"],
            "faster_whisper": {"seconds": median_of(theirs, "seconds"), "text": theirs[0]["text"],
                               "tokens": theirs[0]["tokens"]},
            "ours": None if not mine else {
                "seconds": median_of(mine, "seconds"), "process_seconds": median_of(mine, "process_seconds"),
                "real_time_factor": median_of(mine, "real_time_factor"), "text": mine[0]["text"],
                "timings": mine[len(mine) // 2]["timings"]},
            "runs_disagree": len({s["text"] for s in mine}) > 1 or len({s["text"] for s in theirs}) > 1,
        }
        rows.append(row)
        o = row["ours"]
        print(f"  {threads}T {case['name']:<22} "
              + (f"ours {o['seconds']:.3f} s ({o['process_seconds']:.3f} s process), " if o else "")
              + f"faster-whisper {row['faster_whisper']['seconds']:.3f} s"
              + ("  [transcripts vary between runs]" if row["runs_disagree"] else ""), file=sys.stderr)
    del model
    return {"threads": threads, "faster_whisper_load_seconds": load_seconds, "rows": rows}


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(a, b):
    return "—" if a is None or not b else f"{a / b:.2f}×"


def totals(rows):
    fixture = [r for r in rows if not r["synthetic"]]
    audio = sum(r["audio_seconds"] for r in fixture)
    theirs = sum(r["faster_whisper"]["seconds"] for r in fixture)
    have_ours = all(r["ours"] for r in fixture)
    mine = sum(r["ours"]["seconds"] for r in fixture) if have_ours else None
    process = sum(r["ours"]["process_seconds"] for r in fixture) if have_ours else None

    def wer(key):
        errors = words = 0
        for r in fixture:
            if r[key] is None:
                return None
            reference = ref.normalize_words(r["reference"])
            errors += ref.word_errors(reference, ref.normalize_words(r[key]["text"]))
            words += len(reference)
        return {"word_errors": errors, "reference_words": words, "wer": errors / words if words else None}

    return {
        "utterances": len(fixture), "audio_seconds": audio,
        "faster_whisper_seconds": theirs, "ours_seconds": mine, "ours_process_seconds": process,
        "identical_transcripts": sum(bool(r["ours"]) and r["ours"]["text"] == r["faster_whisper"]["text"] for r in fixture),
        "same_words": sum(bool(r["ours"]) and marker(r["ours"]["text"], r["faster_whisper"]["text"]) != "≠" for r in fixture),
        "faster_whisper_vs_reference": wer("faster_whisper"), "ours_vs_reference": wer("ours"),
    }


def print_table(result):
    threads = result["threads"]
    print(f"\n### {threads} thread{'s' if threads > 1 else ''} "
          f"(faster-whisper model loaded once in {result['faster_whisper_load_seconds']:.2f} s)\n")
    print("| utterance | audio s | ours s (internal / process) | faster-whisper s | RTF ours / fw | "
          "ratio ours/fw (internal / process) | | ours | faster-whisper |")
    print("|---|---:|---:|---:|---:|---:|:-:|---|---|")
    for r in result["rows"]:
        o, f = r["ours"], r["faster_whisper"]
        audio = r["audio_seconds"]
        rate = "" if r["input_rate"] == ref.SAMPLE_RATE else " (8 kHz)"
        print(f"| {r['case']}{rate} | {audio:.2f} | "
              f"{fmt(o and o['seconds'])} / {fmt(o and o['process_seconds'])} | {fmt(f['seconds'])} | "
              f"{fmt(o and o['seconds'] / audio, 2)} / {f['seconds'] / audio:.2f} | "
              f"{ratio(o and o['seconds'], f['seconds'])} / {ratio(o and o['process_seconds'], f['seconds'])} | "
              f"{marker(o and o['text'], f['text'])} | {o['text'] if o else '—'} | {f['text']} |")
    t = result["totals"]
    audio = t["audio_seconds"]
    print(f"| **total ({t['utterances']})** | {audio:.2f} | {fmt(t['ours_seconds'], 2)} / "
          f"{fmt(t['ours_process_seconds'], 2)} | {t['faster_whisper_seconds']:.2f} | "
          f"{fmt(t['ours_seconds'] and t['ours_seconds'] / audio, 2)} / {t['faster_whisper_seconds'] / audio:.2f} | "
          f"{ratio(t['ours_seconds'], t['faster_whisper_seconds'])} / "
          f"{ratio(t['ours_process_seconds'], t['faster_whisper_seconds'])} | | | |")

    def wer_text(w):
        return "—" if w is None else f"{w['word_errors']}/{w['reference_words']} = {w['wer']:.1%}"

    if t["ours_vs_reference"] is None:
        print(f"\nWER vs the spoken texts: faster-whisper {wer_text(t['faster_whisper_vs_reference'])}.")
        return
    print(f"\nTranscripts: {t['identical_transcripts']}/{t['utterances']} identical, "
          f"{t['same_words']}/{t['utterances']} the same words after normalisation. "
          f"WER vs the spoken texts: ours {wer_text(t['ours_vs_reference'])}, "
          f"faster-whisper {wer_text(t['faster_whisper_vs_reference'])}.")


def main():
    if not args.peer_only:
        check_clicky()
    if not os.path.isfile(os.path.join(args.model_dir, "model.bin")):
        fail(f"{args.model_dir}: no Whisper model; run scripts/setup.sh")
    utterances = json.load(open(os.path.join(args.speech_dir, "utterances.json")))["utterances"]
    with tempfile.TemporaryDirectory(prefix="compare-whisper-") as tmp:
        cases = [{"name": u["file"].removesuffix(".wav"), "path": os.path.join(args.speech_dir, u["file"]),
                  "text": u["text"]}
                 for u in utterances if not args.only or any(u["file"].startswith(p) for p in args.only)]
        if not args.no_synthetic:
            synthetic = synthetic_case(utterances, tmp)
            if synthetic:
                cases.append(synthetic)
        if not cases:
            fail("no utterance matches --only")
        load_before = os.getloadavg()[0]
        results = []
        for threads in args.threads:
            result = measure(cases, threads)
            result["totals"] = totals(result["rows"])
            results.append(result)

    import ctranslate2, faster_whisper
    versions = {"faster_whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__}
    report = {
        "date": datetime.date.today().isoformat(), "cpu": cpu_name(), "vcpus": os.cpu_count(),
        "runs": args.runs, "clicky": None if args.peer_only else args.clicky, **versions,
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "faster_whisper_model_options": ref.MODEL_OPTIONS,
        "faster_whisper_transcribe_options": ref.TRANSCRIBE_OPTIONS,
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    print(f"Measured {report['date']} on {report['cpu']}, {report['vcpus']} vCPUs (load average "
          f"{load_before:.1f} before, {report['load_average']['after']:.1f} after). Medians of {args.runs} "
          f"interleaved runs. Peer: faster-whisper {versions['faster_whisper']} (CTranslate2 "
          f"{versions['ctranslate2']}, compute_type float32, greedy, no timestamps, model held in "
          f"memory); same model directory {args.model_dir}."
          + (" Ours not measured (--peer-only)." if args.peer_only else f" Ours: {args.clicky}."))
    for result in results:
        print_table(result)
    print("\nRTF = time / audio seconds. ratio = ours / faster-whisper (below 1: ours is faster); "
          "'process' is our whole command (start-up and model load included), faster-whisper's model "
          "stays loaded. = identical, ≈ same words after normalisation, ≠ different words.")


if __name__ == "__main__":
    main()
