import XCTest
final class ChatTemplatesPlaceholderTests: XCTestCase { func testBuilds() {} }
