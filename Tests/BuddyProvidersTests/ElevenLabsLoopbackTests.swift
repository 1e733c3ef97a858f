import BuddyCore
import BuddyProviders
import Foundation
import XCTest

/// The cloud voice end to end over a real socket (`URLSessionTransport` to the loopback server),
/// and how the settings and the key choose its route.
final class ElevenLabsLoopbackTests: XCTestCase {
    private let sleeps = SleepLog()
    private let transport = URLSessionTransport()

    private func direct(_ server: LoopbackServer) -> ElevenLabsVoice {
        let configuration = ElevenLabsConfiguration(
            endpoint: .direct(apiKey: APIKey(ElevenLabsVoiceTests.key), baseURL: server.baseURL), timeout: 5)
        return ElevenLabsVoice(configuration: configuration, transport: transport, retry: sleeps.policy())
    }

    func testTheDirectRouteOverARealSocket() async throws {
        let samples: [Int16] = [0, 300, -300, 32_767, -32_768]
        let server = try LoopbackServer { _ in
            LoopbackReply(headers: ["Content-Type": "audio/pcm"], body: ElevenLabsVoiceTests.pcm(samples), chunkSize: 3)
        }
        let clip = try await direct(server).synthesize(ElevenLabsVoiceTests.fixtureText)
        XCTAssertEqual(clip, AudioClip(samples: samples.map { Float($0) / 32_768 }, sampleRate: 16_000))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/v1/text-to-speech/kPzsL2i3teMYv0FxEYQ6")
        XCTAssertEqual(request.query, "output_format=pcm_16000")
        XCTAssertEqual(request.header("xi-api-key"), ElevenLabsVoiceTests.key)
        XCTAssertEqual(request.header("content-type"), "application/json")
        XCTAssertEqual(try JSONValue.parse(request.body), try JSONValue.parse(Fixture.bytes("elevenlabs-tts-request.json")))
    }

    func testTheWorkerRouteStreamsItsMP3InChunks() async throws {
        let mp3 = try ElevenLabsVoiceTests.mp3Fixture()
        let server = try LoopbackServer { _ in
            LoopbackReply(headers: ["Content-Type": "audio/mpeg"], body: mp3, framing: .chunked, chunkSize: 1_000)
        }
        let voice = ElevenLabsVoice(configuration: ElevenLabsConfiguration(endpoint: .worker(workerURL: server.baseURL), timeout: 5),
                                    transport: transport, retry: sleeps.policy())
        let clip = try await voice.synthesize("hello from the cloud voice")
        XCTAssertEqual(clip.seconds, 1.915, accuracy: 0.005)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.target, "/tts")
        XCTAssertNil(request.header("xi-api-key"))
        XCTAssertEqual(request.header("accept"), "audio/mpeg")
    }

    func testTheRecordedQuotaRefusalOverARealSocket() async throws {
        let body = String(decoding: try Fixture.bytes("elevenlabs-error-401-quota.json"), as: UTF8.self)
        let server = try LoopbackServer { _ in .text(body, status: 401, contentType: "application/json") }
        do {
            _ = try await direct(server).synthesize("Hi.")
            XCTFail("spoke without credits")
        } catch let error as CloudVoiceError {
            XCTAssertEqual(error.kind, .quotaExceeded)
            XCTAssertEqual(server.requests.count, 1)
        }
    }

    func testNothingListeningFailsAsNoNetworkWithinASecondWithTheRealWaits() async throws {
        let closed = try LoopbackServer { _ in LoopbackReply() }
        let base = closed.baseURL
        closed.stop()
        let configuration = ElevenLabsConfiguration(endpoint: .direct(apiKey: APIKey("k-mock"), baseURL: base), timeout: 5)
        let voice = ElevenLabsVoice(configuration: configuration, transport: transport)   // real sleeps
        let started = ContinuousClock.now
        do {
            _ = try await voice.synthesize("Anyone there?")
            XCTFail("spoke with nobody listening")
        } catch let error as CloudVoiceError {
            XCTAssertEqual(error.kind, .offline)
            XCTAssertTrue(error.isNetwork)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
    }

    // MARK: - Where the configuration comes from

    func testTheKeyWinsOverTheWorkerAndNeitherMeansNoCloudVoice() throws {
        var settings = BuddySettings()
        XCTAssertNil(ElevenLabsConfiguration(settings: settings, apiKey: nil))
        XCTAssertNil(ElevenLabsConfiguration(settings: settings, apiKey: "  "))
        let worker = try XCTUnwrap(URL(string: "https://worker.example"))
        settings.anthropic.workerURL = worker
        XCTAssertEqual(ElevenLabsConfiguration(settings: settings, apiKey: nil)?.endpoint, .worker(workerURL: worker))
        let keyed = try XCTUnwrap(ElevenLabsConfiguration(settings: settings, apiKey: "sk_1"))
        XCTAssertEqual(keyed.endpoint, .direct(apiKey: APIKey("sk_1"), baseURL: ElevenLabsConfiguration.defaultBaseURL))
        XCTAssertEqual(keyed.voiceID, "kPzsL2i3teMYv0FxEYQ6")
        XCTAssertEqual(keyed.model, "eleven_flash_v2_5")
    }

    func testTheElevenLabsTableAndItsEnvironmentOverride() throws {
        let text = "[elevenlabs]\nvoice_id = \"abcDEF123\"\nmodel = \"eleven_multilingual_v2\"\n"
        let (settings, warnings) = try BuddySettings.parse(Array(text.utf8))
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(settings.elevenLabs.voiceID, "abcDEF123")
        XCTAssertEqual(settings.elevenLabs.model, "eleven_multilingual_v2")
        let overridden = try settings.overridden(by: ["ELEVENLABS_VOICE_ID": "zyx987"])
        XCTAssertEqual(overridden.elevenLabs.voiceID, "zyx987")
        let configuration = try XCTUnwrap(ElevenLabsConfiguration(settings: overridden, apiKey: "sk_2"))
        XCTAssertEqual(configuration.voiceID, "zyx987")
        XCTAssertEqual(configuration.model, "eleven_multilingual_v2")
        XCTAssertThrowsError(try BuddySettings.parse(Array("[elevenlabs]\nvoice_id = \"\"\n".utf8)))
    }

    func testTheKeyIsFoundLikeTheOthers() throws {
        XCTAssertEqual(SecretKind.elevenlabs.environmentVariable, "ELEVENLABS_API_KEY")
        let store = SecretStore(environment: ["ELEVENLABS_API_KEY": "sk_env\n"], secretsFile: "/nonexistent/secrets.toml",
                                secretService: nil)
        let found = try XCTUnwrap(store.lookup(.elevenlabs))
        XCTAssertEqual(found.secret.reveal(), "sk_env")
        XCTAssertEqual(found.source, .environment(variable: "ELEVENLABS_API_KEY"))
    }
}
