import Dispatch
import LLMTokenizers
import Synchronization

/// Runs a `GenerationLoop` on a serial queue and exposes it as an async stream. The stream's
/// termination (the consumer's task cancelled, or the stream dropped) raises a flag the loop
/// polls before every forward pass, so generation stops within one token.
public enum GenerationStream {
    /// - Parameters:
    ///   - queue: the serial queue that owns `model`; generations wait their turn on it.
    ///   - prepare: runs on `queue` and returns the prompt tokens (tokenization errors surface
    ///     through the stream).
    public static func start(on queue: DispatchQueue, model: any LanguageModel, tokenizer: any Tokenizer,
                             options: GenerationOptions,
                             prepare: @escaping @Sendable () throws -> [TokenID])
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let cancelled = CancellationFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let job = UncheckedModel(model: model)
        queue.async {
            do {
                let ids = try prepare()
                let loop = GenerationLoop(model: job.model, tokenizer: tokenizer)
                let record = try loop.run(promptTokens: ids, options: options,
                                          isCancelled: { cancelled.isSet },
                                          emit: { continuation.yield($0) })
                continuation.yield(.finished(record))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }
}

/// Carries the model into the queue's closure. Safe because the model is only ever used on its
/// owning serial queue; the wrapper exists only to cross the `@Sendable` boundary.
private struct UncheckedModel: @unchecked Sendable {
    let model: any LanguageModel
}

/// A one-way flag set from any thread (the stream's termination handler) and read by the loop.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
