import CImage
import Glibc

/// RGB pixels to JPEG bytes with libjpeg-turbo, in memory.
///
/// libjpeg reports errors by calling `error_exit`, which must not return: the default calls
/// `exit()`, and a C caller would `longjmp` out, which Swift cannot do. Two defences:
/// 1. Everything libjpeg could reject is checked here first (dimensions within 1…65500, the
///    buffer size, the quality, the call order is fixed), so with sane memory no error can occur.
/// 2. Should one happen anyway (out of memory), the encoder runs on a thread of its own and
///    our `error_exit` ends only that thread with `pthread_exit`, after saving libjpeg's message.
///    The caller sees a thrown `ScreenCaptureError.encodeFailed` and the process lives. The
///    cost is a thread per image (tens of microseconds) and, on that path only, a leak of the
///    encoder's memory: Swift runs no `defer` while `pthread_exit` unwinds its frames.
enum JPEGEncoder {
    /// libjpeg's limit on either side (JPEG_MAX_DIMENSION, a macro Swift does not import).
    static let maximumSide = 65500

    static func encode(_ image: RGBImage, quality: Int) throws(ScreenCaptureError) -> [UInt8] {
        try run(image, quality: quality, misuse: false)
    }

    /// Calls libjpeg out of order on purpose, so tests can prove a libjpeg error is thrown
    /// rather than ending the process.
    static func encodeOutOfOrderForTesting(_ image: RGBImage) throws(ScreenCaptureError) -> [UInt8] {
        try run(image, quality: 80, misuse: true)
    }

    private static func run(_ image: RGBImage, quality: Int, misuse: Bool) throws(ScreenCaptureError) -> [UInt8] {
        guard (1...maximumSide).contains(image.width), (1...maximumSide).contains(image.height) else {
            throw .encodeFailed("a \(image.width)x\(image.height) image cannot be a JPEG")
        }
        guard (1...100).contains(quality) else { throw .encodeFailed("JPEG quality \(quality) is not 1…100") }
        let job = Job(image: image, quality: quality, misuse: misuse)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        guard pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let job = Unmanaged<Job>.fromOpaque(context).takeRetainedValue()
            job.compress()
            return nil
        }, context) == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            throw .encodeFailed("could not start the encoder thread")
        }
        pthread_join(thread, nil)
        if let output = job.output { return output }
        throw .encodeFailed("libjpeg: \(job.failure ?? "stopped without a message")")
    }

    /// One encode, owned by its thread until `pthread_join` returns. libjpeg keeps pointers to
    /// the compress and error structs, so they live on the heap, not in a Swift stack frame.
    private final class Job: @unchecked Sendable {
        let image: RGBImage
        let quality: Int
        let misuse: Bool
        var output: [UInt8]?
        var failure: String?

        init(image: RGBImage, quality: Int, misuse: Bool) {
            self.image = image
            self.quality = quality
            self.misuse = misuse
        }

        func compress() {
            let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
            let errors = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
            let buffer = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
            let size = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
            cinfo.initialize(to: jpeg_compress_struct())
            buffer.initialize(to: nil)
            size.initialize(to: 0)
            // Not reached when error_exit ends the thread (see the type's comment).
            defer {
                jpeg_destroy_compress(cinfo)
                cinfo.deallocate(); errors.deallocate(); buffer.deallocate(); size.deallocate()
            }
            cinfo.pointee.err = jpeg_std_error(errors)
            errors.pointee.error_exit = { common in
                // Called by libjpeg on a fatal error; never returns, as libjpeg requires.
                guard let common else { pthread_exit(nil) }
                var text = [CChar](repeating: 0, count: 200 /* JMSG_LENGTH_MAX */)
                common.pointee.err.pointee.format_message(common, &text)
                if let client = common.pointee.client_data {
                    Unmanaged<Job>.fromOpaque(client).takeUnretainedValue().failure = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
                pthread_exit(nil)
            }
            // Warnings (corrupt data) concern decoders; keep them off stderr.
            errors.pointee.output_message = { _ in }
            jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
            cinfo.pointee.client_data = Unmanaged.passUnretained(self).toOpaque()
            jpeg_mem_dest(cinfo, buffer, size)
            cinfo.pointee.image_width = JDIMENSION(image.width)
            cinfo.pointee.image_height = JDIMENSION(image.height)
            cinfo.pointee.input_components = 3
            cinfo.pointee.in_color_space = JCS_RGB
            jpeg_set_defaults(cinfo)
            jpeg_set_quality(cinfo, Int32(quality), 1)
            image.pixels.withUnsafeBufferPointer { pixels in
                let base = UnsafeMutablePointer(mutating: pixels.baseAddress!)
                var row: JSAMPROW? = nil
                if misuse { _ = jpeg_write_scanlines(cinfo, &row, 1) }  // before start: JERR_BAD_STATE
                jpeg_start_compress(cinfo, 1)
                let stride = image.width * 3
                while cinfo.pointee.next_scanline < cinfo.pointee.image_height {
                    row = base + Int(cinfo.pointee.next_scanline) * stride
                    _ = jpeg_write_scanlines(cinfo, &row, 1)
                }
                jpeg_finish_compress(cinfo)
            }
            if let bytes = buffer.pointee {
                output = Array(UnsafeBufferPointer(start: bytes, count: Int(size.pointee)))
                free(bytes)
            }
        }
    }
}
