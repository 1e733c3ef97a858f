import XCTest
final class LLMEnginePlaceholderTests: XCTestCase { func testBuilds() {} }
