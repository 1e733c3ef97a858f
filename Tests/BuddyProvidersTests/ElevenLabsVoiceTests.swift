import BuddyCore
import BuddyProviders
import Foundation
import XCTest

/// The cloud voice over an in-memory transport: what goes on the wire (against the recorded
/// request), how PCM and MP3 answers become clips, and how each recorded refusal reads.
final class ElevenLabsVoiceTests: XCTestCase {
    static let key = "sk_mock_elevenlabs_key_0123"
    private let sleeps = SleepLog()

    private func direct(_ transport: any HTTPTransport, voiceID: String = ElevenLabsConfiguration.defaultVoiceID) -> ElevenLabsVoice {
        let configuration = ElevenLabsConfiguration(
            endpoint: .direct(apiKey: APIKey(Self.key), baseURL: ElevenLabsConfiguration.defaultBaseURL), voiceID: voiceID)
        return ElevenLabsVoice(configuration: configuration, transport: transport, retry: sleeps.policy())
    }

    private func worker(_ transport: any HTTPTransport) -> ElevenLabsVoice {
        let url = URL(string: "https://clicky-proxy.example.workers.dev") ?? ElevenLabsConfiguration.defaultBaseURL
        return ElevenLabsVoice(configuration: ElevenLabsConfiguration(endpoint: .worker(workerURL: url)),
                               transport: transport, retry: sleeps.policy())
    }

    /// The text of the recorded request.
    static let fixtureText = "Hello! This is a test."

    /// Little-endian 16-bit samples as ElevenLabs' `pcm_16000` sends them.
    static func pcm(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    static func mp3Fixture() throws -> [UInt8] {
        Array(try Data(contentsOf: Fixture.directory.deletingLastPathComponent()
            .appendingPathComponent("speech/hello-cloud-voice.mp3")))
    }

    /// The error a voice fails with, which must be a `CloudVoiceError`.
    private func failure(_ voice: ElevenLabsVoice, _ text: String = "Hi.",
                         file: StaticString = #filePath, line: UInt = #line) async -> CloudVoiceError? {
        do {
            let clip = try await voice.synthesize(text)
            XCTFail("spoke \(clip.samples.count) samples", file: file, line: line)
        } catch let error as CloudVoiceError {
            XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
            XCTAssertFalse(error.description.contains(Self.key), "the key never shows", file: file, line: line)
            return error
        } catch {
            XCTFail("not a CloudVoiceError: \(error)", file: file, line: line)
        }
        return nil
    }

    func testTheDirectRequestIsTheRecordedOne() async throws {
        let transport = RecordingTransport([.status(200, body: Self.pcm([0, 1]), headers: ["content-type": "audio/pcm"])])
        let voice = direct(transport)
        XCTAssertTrue(voice.needsInternet)
        _ = try await voice.synthesize(Self.fixtureText)
        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.url.absoluteString,
                       "https://api.elevenlabs.io/v1/text-to-speech/kPzsL2i3teMYv0FxEYQ6?output_format=pcm_16000")
        XCTAssertEqual(request.headers["xi-api-key"], Self.key)
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["accept"], "*/*")
        XCTAssertEqual(request.timeout, 30)
        XCTAssertEqual(try JSONValue.parse(request.body), try JSONValue.parse(Fixture.bytes("elevenlabs-tts-request.json")))
    }

    func testPCMIsDecodedExactlyAcrossChunkBoundaries() async throws {
        let samples: [Int16] = [0, 1, -1, 16_384, -16_384, 32_767, -32_768, 12_345]
        let transport = ScriptedTransport([.respond(status: 200, headers: ["content-type": "audio/pcm"],
                                                    chunks: ScriptedTransport.split(Self.pcm(samples), 3), ending: .finish)])
        let clip = try await direct(transport).synthesize("Known samples.")
        XCTAssertEqual(clip.sampleRate, 16_000)
        XCTAssertEqual(clip.samples, samples.map { Float($0) / 32_768 })
    }

    func testADirectAnswerInMP3IsDecodedAsMP3() async throws {
        let transport = RecordingTransport([.status(200, body: try Self.mp3Fixture(), headers: ["content-type": "audio/mpeg"])])
        let clip = try await direct(transport).synthesize("hello from the cloud voice")
        XCTAssertEqual(clip.sampleRate, 44_100, "decoded by the MP3 decoder, not read as PCM")
    }

    func testTheWorkerRouteSendsTheSameBodyWithoutAKeyAndDecodesItsMP3() async throws {
        let transport = RecordingTransport([.status(200, body: try Self.mp3Fixture(), headers: ["content-type": "audio/mpeg"])])
        let clip = try await worker(transport).synthesize(Self.fixtureText)
        XCTAssertEqual(clip.sampleRate, 44_100)
        XCTAssertEqual(clip.seconds, 1.915, accuracy: 0.005)
        let request = try XCTUnwrap(transport.requests.first)
        XCTAssertEqual(request.url.absoluteString, "https://clicky-proxy.example.workers.dev/tts")
        XCTAssertNil(request.headers["xi-api-key"])
        XCTAssertEqual(request.headers["accept"], "audio/mpeg")
        XCTAssertEqual(try JSONValue.parse(request.body), try JSONValue.parse(Fixture.bytes("elevenlabs-tts-request.json")))
    }

    func testEachRecordedRefusalIsItsOwnLineAndIsNotRetried() async throws {
        let cases: [(file: String, status: Int, kind: CloudVoiceError.Kind, line: String)] = [
            ("elevenlabs-error-401-quota.json", 401, .quotaExceeded,
             "ElevenLabs quota is used up (401 quota_exceeded): This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required for this request."),
            ("elevenlabs-error-401-invalid-key.json", 401, .keyRefused, "ElevenLabs refused the API key (401): Invalid API key"),
            ("elevenlabs-error-422.json", 422, .rejected(status: 422), "ElevenLabs refused the request (422): body.text: Field required"),
        ]
        for (file, status, kind, line) in cases {
            let transport = RecordingTransport([.status(status, body: try Fixture.bytes(file), headers: ["content-type": "application/json"])])
            let error = await failure(direct(transport))
            XCTAssertEqual(error?.kind, kind, file)
            XCTAssertEqual(error?.description, line, file)
            XCTAssertEqual(error?.isNetwork, false, file)
            XCTAssertEqual(transport.requests.count, 1, "\(file): a refusal is final")
        }
        // Through the worker the same body names the route.
        let transport = RecordingTransport([.status(401, body: try Fixture.bytes("elevenlabs-error-401-invalid-key.json"))])
        let error = await failure(worker(transport))
        XCTAssertEqual(error?.description, "ElevenLabs (through the worker) refused the API key (401): Invalid API key")
        XCTAssertEqual(sleeps.requested, [])
    }

    func testBusyAndFailingAreRetriedLikeTheBrains() async throws {
        let busy = #"{"detail":{"status":"system_busy","message":"Try again later."}}"#
        let transport = RecordingTransport([.status(429, body: Array(busy.utf8)), .status(503, body: Array("upstream".utf8)),
                                            .status(200, body: Self.pcm([7]))])
        let clip = try await direct(transport).synthesize("Third time lucky.")
        XCTAssertEqual(clip.samples, [Float(7) / 32_768])
        XCTAssertEqual(transport.requests.count, 3)
        XCTAssertEqual(sleeps.requested.count, 2)

        let failing = RecordingTransport(otherwise: .status(500, body: Array(#"{"error":"boom"}"#.utf8)))
        let error = await failure(direct(failing))
        XCTAssertEqual(error?.kind, .serverFailed(status: 500))
        XCTAssertEqual(error?.description, "ElevenLabs failed (500), even after retrying: boom")
        XCTAssertEqual(failing.requests.count, 3)
        let limited = await failure(direct(RecordingTransport(otherwise: .status(429, body: Array(busy.utf8)))))
        XCTAssertEqual(limited?.description, "ElevenLabs is rate limiting (429), even after retrying: Try again later.")
    }

    func testNoNetworkIsANetworkError() async throws {
        let transport = RecordingTransport(otherwise: .failure(.cannotConnect("network is unreachable")))
        let error = await failure(direct(transport))
        XCTAssertEqual(error?.kind, .offline)
        XCTAssertEqual(error?.isNetwork, true)
        XCTAssertEqual(error?.description, "no network: cannot reach ElevenLabs (network is unreachable)")
        XCTAssertEqual(transport.requests.count, 3, "connect failures get the short retries")
        XCTAssertLessThan(sleeps.requested.reduce(0, +), 0.31)
        let cut = await failure(direct(ScriptedTransport([.respond(status: 200, headers: [:], chunks: [[1, 2]],
                                                                   ending: .fail(.connectionLost("reset")))])))
        XCTAssertEqual(cut?.kind, .connectionLost)
        XCTAssertEqual(cut?.isNetwork, true)
    }

    func testWhatIsNotAudioIsRefused() async throws {
        let json = RecordingTransport([.status(200, body: Array(#"{"detail":"oops"}"#.utf8), headers: ["content-type": "application/json"])])
        let notAudio = await failure(direct(json))
        XCTAssertEqual(notAudio?.kind, .invalidAudio)
        XCTAssertTrue(notAudio?.description.contains("oops") == true, String(describing: notAudio))
        let odd = await failure(direct(RecordingTransport([.status(200, body: [1, 2, 3])])))
        XCTAssertEqual(odd?.description, "ElevenLabs sent audio that cannot be played: 3 bytes is not whole 16-bit samples")
        let garbage = RecordingTransport([.status(200, body: Array(repeating: 0x42, count: 2_000), headers: ["content-type": "audio/mpeg"])])
        let badMP3 = await failure(worker(garbage))
        XCTAssertEqual(badMP3?.kind, .invalidAudio)
        XCTAssertTrue(badMP3?.description.contains("not a playable MP3: no MPEG audio frame") == true, String(describing: badMP3))
        let cut = try Self.mp3Fixture()
        let truncated = await failure(worker(RecordingTransport([.status(200, body: Array(cut.prefix(cut.count / 2)))])))
        XCTAssertTrue(truncated?.description.contains("truncated") == true, String(describing: truncated))
    }

    func testBlankTextAndABadVoiceIDSendNothing() async throws {
        let transport = RecordingTransport()
        let silent = try await direct(transport).synthesize(" \n ")
        XCTAssertEqual(silent.samples, [])
        let error = await failure(direct(transport, voiceID: "../../v1/user"))
        XCTAssertEqual(error?.kind, .notConfigured)
        XCTAssertEqual(transport.requests.count, 0)
    }

    func testAnEchoedKeyIsScrubbedAndConfigurationsDoNotPrintIt() async throws {
        let body = #"{"detail":{"status":"invalid_api_key","message":"Key \#(Self.key) is not valid"}}"#
        let error = await failure(direct(RecordingTransport([.status(401, body: Array(body.utf8))])))
        XCTAssertEqual(error?.detail, "Key <redacted> is not valid")
        let configuration = direct(RecordingTransport()).configuration
        var dumped = ""
        dump(configuration, to: &dumped)
        XCTAssertFalse("\(configuration) \(dumped)".contains(Self.key))
    }

    func testCancellingTheTaskIsACancellation() async throws {
        let voice = direct(RecordingTransport(otherwise: .hang))
        let speaking = Task { try await voice.synthesize("Never mind.") }
        try await Task.sleep(for: .milliseconds(50))
        speaking.cancel()
        do {
            _ = try await speaking.value
            XCTFail("spoke although cancelled")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
    }
}
