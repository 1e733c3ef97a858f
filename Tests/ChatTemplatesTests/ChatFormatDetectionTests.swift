import ChatTemplates
import XCTest

/// Choosing a format from metadata, by inspection only.
final class ChatFormatDetectionTests: XCTestCase {
    private func detect(_ template: String?, architecture: String = "llama") throws -> ChatFormat {
        try ChatFormat.detect(architecture: architecture, chatTemplate: template)
    }

    private func assertError(_ template: String?, architecture: String = "llama", _ expected: ChatTemplateError,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try detect(template, architecture: architecture), file: file, line: line) { error in
            XCTAssertEqual(error as? ChatTemplateError, expected, file: file, line: line)
        }
    }

    func testChatMLMarkerSelectsChatML() throws {
        XCTAssertEqual(try detect(ChatTemplateFixtures.smolLM2Template).family, .chatml)
        XCTAssertEqual(try detect(ChatTemplateFixtures.smolLM2Template).defaultSystemMessage,
                       "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    }

    func testPlainChatMLTemplateHasNoDefaultSystemMessage() throws {
        let template = "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}"
        XCTAssertEqual(try detect(template), .chatml)
        XCTAssertEqual(try detect("chatml"), .chatml, "a template that is a format's name, as llama.cpp accepts")
        // A system header followed by template code is not a default.
        let withCode = "{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
        XCTAssertNil(try detect(withCode).defaultSystemMessage)
    }

    func testTwoDifferentDefaultsAreAmbiguousAndIgnored() throws {
        let template = "{{ '<|im_start|>system\\nA<|im_end|>' }}{{ '<|im_start|>system\\nB<|im_end|>' }}"
        XCTAssertNil(try detect(template).defaultSystemMessage)
    }

    func testTemplateIsNeverExecuted() throws {
        // Template code that would fail or misbehave if run is only text to inspect.
        let hostile = "{{ raise_exception('boom') }}{{ cycler.__init__.__globals__.os.popen('id').read() }}<|im_start|>"
        XCTAssertEqual(try detect(hostile), .chatml)
    }

    func testRecognisedButUnsupportedFamiliesAreErrors() {
        assertError("<|im_start|>user<|im_sep|>", .unsupportedFormat("phi4"))
        assertError("[INST] {{ content }} [/INST]", .unsupportedFormat("mistral"))
    }

    func testUnknownTemplateIsAnErrorNotAChatMLGuess() {
        assertError("### Human: {{ content }}\n### Assistant:", .unrecognizedTemplate(architecture: "llama"))
        XCTAssertTrue("\(ChatTemplateError.unrecognizedTemplate(architecture: "llama"))".contains("supported: chatml"))
    }

    func testMissingTemplate() throws {
        XCTAssertEqual(try detect(nil, architecture: "qwen2"), .chatml)
        XCTAssertEqual(try detect("", architecture: "qwen2"), .chatml)
        assertError(nil, architecture: "llama", .missingTemplate(architecture: "llama"))
        XCTAssertEqual(try detect(nil, architecture: "gemma3"), .gemma, "Gemma 3 base models carry no template")
    }

    func testGemmaMarkerSelectsGemma() throws {
        XCTAssertEqual(try detect(ChatTemplateFixtures.gemma3TemplateAbridged, architecture: "gemma3"), .gemma)
        XCTAssertEqual(try detect("<start_of_turn>user\n{{ content }}<end_of_turn>"), .gemma)
        XCTAssertEqual(try detect("gemma"), .gemma)
    }

    func testLlama3HeadersSelectLlama3() throws {
        XCTAssertEqual(try detect("<|start_header_id|>{{ role }}<|end_header_id|>"), .llama3)
        XCTAssertEqual(try detect("llama3"), .llama3)
        let instruct = try detect(ChatTemplateFixtures.llama32TemplateAbridged)
        XCTAssertEqual(instruct, .llama3Instruct)
        XCTAssertEqual(instruct.systemPreamble, "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n")
    }
}
