import XCTest
final class CKernelsPlaceholderTests: XCTestCase { func testBuilds() {} }
