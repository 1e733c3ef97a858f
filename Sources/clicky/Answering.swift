import LLMEngine

/// The text and record of one streamed answer.
struct Answer: Sendable {
    var text = ""
    var tokenIDs: [Int32] = []
    var record: GenerationRecord?
    var topLogits: [[TokenLogit]] = []
}

/// Consumes a generation stream, passing printable text to `onText` as it arrives. Runs in its
/// own task so that cancelling it (Ctrl-C) drops the stream and stops the engine within a token.
func collectAnswer(_ stream: AsyncThrowingStream<GenerationEvent, any Error>,
                   onText: @escaping @Sendable (String) -> Void) async throws -> Answer {
    var answer = Answer()
    for try await event in stream {
        switch event {
        case .token(let id, let text):
            answer.tokenIDs.append(id)
            answer.text += text
            if !text.isEmpty { onText(text) }
        case .trailingText(let text):
            answer.text += text
            onText(text)
        case .topLogits(let candidates):
            answer.topLogits.append(candidates)
        case .finished(let record):
            answer.record = record
        }
    }
    return answer
}

/// Runs a generation as a cancellable child task hooked to Ctrl-C.
func streamAnswer(engine: LocalEngine, prompt: Prompt, options: GenerationOptions, interrupts: InterruptMonitor,
                  onText: @escaping @Sendable (String) -> Void) async throws -> Answer {
    let task = Task { try await collectAnswer(engine.generate(prompt, options: options), onText: onText) }
    return try await interrupts.whileRunning(cancel: { task.cancel() }) {
        try await task.value
    }
}
