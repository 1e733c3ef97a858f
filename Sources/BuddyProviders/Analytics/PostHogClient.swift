import BuddyCore
import Foundation
import Synchronization

/// Sends analytics events to PostHog's `/batch/` endpoint.
///
/// Recording is a few microseconds under a lock: the event gets its time and id, joins a
/// bounded queue (the oldest is dropped and counted when full), and a background sender is
/// woken when a batch is ready. Nothing on the recording path awaits, so a turn never waits for
/// the network, whatever state the network is in. The sender posts one batch at a time, every
/// `flushInterval` seconds or when `batchSize` events are waiting, retrying 408/429/5xx and
/// unreachable servers with backoff and dropping batches the server refuses; no failure reaches
/// the caller.
///
/// A client needs a `PostHogConfiguration`, and there is none without a project key, so no key
/// means no client. Keep the concrete client where the settings screen must reach
/// `setOptedOut`; hand the rest of the app `PostHogClient.sink(_:transport:)`.
public final class PostHogClient: AnalyticsSink, Sendable {
    public let configuration: PostHogConfiguration
    let transport: any HTTPTransport
    /// Where event and `sent_at` times come from (tests fix it).
    let clock: @Sendable () -> Date

    private struct FlushWaiter {
        var continuation: CheckedContinuation<Void, Never>
        var deadline: Task<Void, Never>?
    }

    private struct State {
        /// Oldest first.
        var queue: [PostHogEvent] = []
        var optedOut: Bool
        var statistics = PostHogStatistics()
        var flushWaiters: [UInt64: FlushWaiter] = [:]
        var nextWaiterID: UInt64 = 0
    }

    private let state: Mutex<State>
    /// Wakes the sender. Holds at most one pending wake: many wakes while it is busy mean
    /// "look at the queue again", once.
    private let wakes: AsyncStream<Void>.Continuation
    private let timer: Task<Void, Never>

    public init(configuration: PostHogConfiguration, transport: any HTTPTransport,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        state = Mutex(State(optedOut: configuration.optedOut))
        let (stream, wakes) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wakes = wakes
        let interval = configuration.flushInterval
        timer = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                wakes.yield()
            }
        }
        // The sender holds the client only while it works, so dropping the client ends it.
        Task { [weak self] in
            for await _ in stream {
                guard let self else { return }
                await self.sendQueued()
            }
        }
    }

    deinit {
        timer.cancel()
        wakes.finish()
    }

    // MARK: Recording

    /// Queues a content-free event. Returns at once; ignored while opted out.
    public func record(_ event: AnalyticsEvent) {
        enqueue(name: event.name, properties: PostHogEvent.properties(of: event))
    }

    /// Queues an event with conversation text (made only by `AnalyticsPolicy.contentEvent`,
    /// which demands the user's opt-in). Returns at once; ignored while opted out.
    public func record(_ event: ContentEvent) {
        enqueue(name: event.name, properties: PostHogEvent.properties(of: event))
    }

    private func enqueue(name: String, properties: [String: PostHogValue]) {
        let now = clock()
        var random = SystemRandomNumberGenerator()
        let event = PostHogEvent(name: name, properties: properties, timestamp: now,
                                 uuid: PostHogWire.uuidV7(at: now, using: &random))
        let capacity = configuration.queueCapacity, batchSize = configuration.batchSize
        let batchReady = state.withLock { state -> Bool in
            guard !state.optedOut else { return false }
            state.queue.append(event)
            let excess = state.queue.count - capacity
            if excess > 0 {
                state.queue.removeFirst(excess)
                state.statistics.droppedForCapacity += excess
            }
            return state.queue.count >= batchSize
        }
        if batchReady { wakes.yield() }
    }

    // MARK: Opt-out and state

    /// Opting out empties the queue and ignores every later event until opted back in; no
    /// event announces it. A batch already on the wire finishes, but is not retried. The caller
    /// persists the choice and passes it back as `PostHogConfiguration.optedOut` at launch.
    public func setOptedOut(_ optedOut: Bool) {
        state.withLock { state in
            state.optedOut = optedOut
            if optedOut { state.queue.removeAll() }
        }
    }

    public var isOptedOut: Bool { state.withLock { $0.optedOut } }

    /// Totals so far (sent, dropped, refused, failed, requests, last error).
    public var statistics: PostHogStatistics { state.withLock { $0.statistics } }

    /// Events waiting to be sent.
    public var queuedCount: Int { state.withLock { $0.queue.count } }

    func update(_ change: (inout PostHogStatistics) -> Void) {
        state.withLock { change(&$0.statistics) }
    }

    // MARK: Sending

    /// One pass of the sender: every queued batch, one after another, then the flushes that
    /// were waiting when the pass began are told it is done.
    private func sendQueued() async {
        let waiting = state.withLock { Array($0.flushWaiters.keys) }
        while let batch = nextBatch() {
            await deliver(batch)
        }
        for id in waiting { finishFlush(id) }
    }

    private func nextBatch() -> [PostHogEvent]? {
        let size = configuration.batchSize
        return state.withLock { state -> [PostHogEvent]? in
            guard !state.optedOut, !state.queue.isEmpty else { return nil }
            let batch = Array(state.queue.prefix(size))
            state.queue.removeFirst(batch.count)
            return batch
        }
    }

    /// Sends everything queued and returns when the server has answered for it — or after
    /// `flushTimeout` seconds, whichever is first, so that quitting never hangs on a dead
    /// network. Meant for exit; events still unsent at the deadline are lost.
    public func flush() async {
        await flush(timeout: configuration.flushTimeout)
    }

    /// `flush()` with its own deadline.
    public func flush(timeout: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLock { state -> UInt64 in
                state.nextWaiterID += 1
                state.flushWaiters[state.nextWaiterID] = FlushWaiter(continuation: continuation)
                return state.nextWaiterID
            }
            // The deadline is armed after the waiter is registered, so it cannot miss it.
            let deadline = Task {
                try? await Task.sleep(for: .seconds(timeout))
                self.finishFlush(id)
            }
            let armed = state.withLock { state -> Bool in
                guard state.flushWaiters[id] != nil else { return false }
                state.flushWaiters[id]?.deadline = deadline
                return true
            }
            if !armed { deadline.cancel() }
            wakes.yield()
        }
    }

    /// Resumes flush `id` if nothing has yet (the sender and the deadline race for it).
    private func finishFlush(_ id: UInt64) {
        guard let waiter = state.withLock({ $0.flushWaiters.removeValue(forKey: id) }) else { return }
        waiter.deadline?.cancel()
        waiter.continuation.resume()
    }
}
