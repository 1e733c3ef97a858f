/// The two ways a question is answered, as separate types so the privacy contract is visible
/// in what each can touch: a `LocalTurn` holds a local brain and text — no capturer, no remote
/// brain, no analytics content — so a Local Mode turn cannot reach the screen or the network
/// through it. A `CloudTurn` holds the capturer and may show the screens.

/// A turn answered on this machine.
struct LocalTurn: Sendable {
    let brain: any LocalBrain
    let brainName: String

    func run(_ question: BrainQuestion, emit: @Sendable (TurnEvent) -> Void) async throws -> TurnOutcome {
        emit(.asking(brainName: brainName, screens: 0))
        let streamed = try await AnswerStreaming.consume(brain.answer(question), emit: emit)
        // A local answer never points, even if the model wrote a tag.
        return TurnOutcome(brainName: brainName, origin: .local, spokenText: streamed.answer.spokenText,
                           badge: streamed.badge(brainName), record: streamed.record, point: nil, screensShown: 0)
    }
}

/// A turn answered by a brain elsewhere, shown the screens when wanted and available.
struct CloudTurn: Sendable {
    let brain: any RemoteBrain
    let brainName: String
    let capturer: (any ScreenCapturer)?

    /// `wantsScreens`: capture every monitor (the buddy on a desktop) or not (a terminal turn
    /// without `--screen`). `textOnlyNotice` is called when screens were wanted but cannot be had.
    func run(_ question: BrainQuestion, wantsScreens: Bool, textOnlyNotice: @Sendable (String) -> Void,
             emit: @Sendable (TurnEvent) -> Void) async throws -> TurnOutcome {
        var screens: [ScreenImage] = []
        if wantsScreens {
            if let capturer {
                do { screens = try await capturer.captureScreens() } catch {
                    textOnlyNotice("could not capture the screen (\(error)); answering without it")
                }
            } else {
                textOnlyNotice("no display: answering without seeing the screen")
            }
        }
        emit(.asking(brainName: brainName, screens: screens.count))
        let streamed = try await AnswerStreaming.consume(brain.answer(question, screens: screens), emit: emit)
        var point: PointTarget?
        if let tag = streamed.answer.target,
           let (index, capture) = ScreenMapping.capture(for: tag, in: screens.map(\.capture)) {
            point = PointTarget(tag: tag, captureIndex: index,
                                desktop: ScreenMapping.desktopPoint(for: tag, on: capture))
        }
        return TurnOutcome(brainName: brainName, origin: .cloud, spokenText: streamed.answer.spokenText,
                           badge: streamed.badge(brainName), record: streamed.record, point: point,
                           screensShown: screens.count)
    }
}

/// Folds a brain stream into spoken pieces and the final record.
enum AnswerStreaming {
    struct Streamed {
        var answer: PointedAnswer
        var record: BrainRecord

        func badge(_ brainName: String) -> String? {
            record.firstTokenSeconds.map {
                LatencyBadge.text(brain: brainName, firstTokenSeconds: $0, tokensPerSecond: record.tokensPerSecond)
            }
        }
    }

    static func consume(_ stream: BrainStream, emit: @Sendable (TurnEvent) -> Void) async throws -> Streamed {
        var filter = SpokenTextFilter()
        var record: BrainRecord?
        for try await event in stream {
            switch event {
            case .text(let piece):
                let speakable = filter.feed(piece)
                if !speakable.isEmpty { emit(.text(speakable)) }
            case .finished(let finished):
                record = finished
            }
        }
        let (answer, remainder) = filter.finish()
        if !remainder.isEmpty { emit(.text(remainder)) }
        guard let record else {
            if Task.isCancelled { throw CancellationError() }
            throw BrainError.invalidResponse("the answer ended without a final record")
        }
        return Streamed(answer: answer, record: record)
    }
}
