import Synchronization

/// The slow part of a turn, run in the turn's own task: ask the buddy and speak the answer as it
/// streams, or say a line. Results go back to the loop's inbox tagged with the turn, so a turn
/// that was cancelled meanwhile is ignored by the machine.
extension VoiceLoop {
    func answer(_ question: String, turn: Int, releasedAt: Double, soundStop: SoundStop) async {
        let report = self.report, clock = self.clock
        let chosen = TurnVoice(devices.voice)
        let (pieces, pieceSink) = AsyncStream<String>.makeStream()
        let brainName = SharedBox<String?>(nil)
        let ending = SharedBox<TurnEnding?>(nil)
        let speech = SpokenAnswer(voice: chosen, speaker: devices.speaker)
        let (buddy, wantsScreens, cloudVoice) = (self.buddy, self.wantsScreens, devices.cloudVoice)
        let streaming = speaksWhileThinking
        await devices.overlay?.show(.thinking)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {   // the brain
                    var held = ""   // the whole answer, when it is spoken only at the end
                    defer {
                        if !held.isEmpty { pieceSink.yield(held) }
                        pieceSink.finish()
                    }
                    for try await event in buddy.ask(question, wantsScreens: wantsScreens) {
                        switch event {
                        case .asking(let name, _):
                            brainName.withLock { $0 = name }
                            report(.asking(brainName: name, turn: turn))
                            // Only an answer that left the machine anyway may go to a cloud voice.
                            if let cloudVoice, !Self.isLocal(name) { chosen.use(cloudVoice) }
                        case .text(let piece):
                            report(.text(piece, turn: turn))
                            if streaming { pieceSink.yield(piece) } else { held += piece }
                        case .refused(let failure, _):
                            ending.withLock { $0 = .refused(failure) }
                        case .textOnly:
                            break
                        case .finished(let outcome):
                            ending.withLock { $0 = .answered(outcome) }
                        }
                    }
                }
                group.addTask {   // the voice, sentence by sentence while the brain writes
                    _ = try await speech.speak(pieces, clock: clock, started: { now in
                        report(.firstAudio(turn: turn, afterRelease: max(0, now - releasedAt)))
                        self.post(.speakingStarted, turn: turn)
                    }, sentenceStarted: { report(.saying($0, turn: turn)) },
                       soundStopped: { now in soundStop.withLock { $0 = now } })
                }
                try await group.waitForAll()
            }
        } catch {
            if Task.isCancelled { return }   // barge-in or Escape: the loop reports it
            let local = brainName.withLock { $0 }.map(Self.isLocal) ?? true
            post(.failed(.brainFailed(local: local)), turn: turn)
            return
        }
        switch ending.withLock({ $0 }) {
        case .refused(let failure):
            post(.failed(failure), turn: turn)   // the machine answers with the line to say
        case .answered(let outcome):
            report(.answered(outcome, turn: turn))
            if let badge = outcome.badge { await devices.overlay?.show(.answering(badge: badge)) }
            if let point = outcome.point { await devices.overlay?.point(at: point.desktop, label: point.tag.label) }
            post(.speechFinished, turn: turn)
        case nil:
            post(.failed(.brainFailed(local: brainName.withLock { $0 }.map(Self.isLocal) ?? true)), turn: turn)
        }
    }

    /// Says a line (a refusal or an error line) with the offline voice.
    func say(_ line: String, turn: Int, releasedAt: Double, soundStop: SoundStop) async {
        let report = self.report
        let speech = SpokenAnswer(voice: devices.voice, speaker: devices.speaker)
        do {
            try await speech.say(line, clock: clock, started: { now in
                report(.firstAudio(turn: turn, afterRelease: max(0, now - releasedAt)))
                report(.saying(line, turn: turn))
            }, soundStopped: { now in soundStop.withLock { $0 = now } })
        } catch {
            if Task.isCancelled { return }
            report(.problem(String(describing: error)))
        }
        post(.speechFinished, turn: turn)
    }

    /// "local" and "auto→local" answered on this machine.
    static func isLocal(_ brainName: String) -> Bool { brainName.hasSuffix("local") }
}

/// How a turn's brain stream ended.
enum TurnEnding: Sendable {
    case refused(TurnMachine.Failure)
    case answered(TurnOutcome)
}

/// The voice of one turn: the offline voice until the brain is known to be a cloud one. When
/// the cloud voice fails (quota, network), the rest of the turn is said by the offline voice
/// rather than not at all.
final class TurnVoice: SpeechSynthesizer {
    private let offline: any SpeechSynthesizer
    private let current: Mutex<any SpeechSynthesizer>

    init(_ voice: any SpeechSynthesizer) {
        offline = voice
        current = Mutex(voice)
    }

    func use(_ voice: any SpeechSynthesizer) { current.withLock { $0 = voice } }

    var needsInternet: Bool { current.withLock { $0.needsInternet } }

    func synthesize(_ text: String) async throws -> AudioClip {
        let voice = current.withLock { $0 }
        do {
            return try await voice.synthesize(text)
        } catch where voice.needsInternet && !(error is CancellationError) && !Task.isCancelled {
            use(offline)
            return try await offline.synthesize(text)
        }
    }
}
