import CFFmpeg
import Dispatch
import Graph
import Synchronization

/// Runs a `MediaWriter` on a thread of its own, so that pixel conversion and encoding (x264,
/// VP9, or swscale's float -> rgb24 for a pipe) overlap the filters instead of waiting for them.
///
/// Why: in slow motion at x4 the writer's work was a fifth of the main loop, done while one core
/// sat idle. Work stays in submission order (frames and audio alike) and at most `depth` frames
/// wait. The first failure stops the work behind it and is thrown at the caller's next call, so
/// a closed pipe, a full disk or Ctrl-C end the run the same way as before, one frame later.
public final class WriteBehind: @unchecked Sendable {
    private let writer: MediaWriter
    private let queue = DispatchQueue(label: "gid-filter.writer")
    private let room: DispatchSemaphore
    private let failure = Mutex<(any Error)?>(nil)

    /// Frames that may wait for the writer; each is one picture in memory.
    public static let defaultDepth = 3

    public init(_ writer: MediaWriter, depth: Int = WriteBehind.defaultDepth) {
        self.writer = writer
        room = DispatchSemaphore(value: max(1, depth))
    }

    /// Queues one frame for encoding; throws an earlier frame's failure.
    public func write(_ frame: Frame) throws {
        try rethrow()
        room.wait()
        let item = Handoff(frame)
        queue.async { [self] in
            defer { room.signal() }
            run { try writer.write(item.value) }
        }
    }

    /// Queues one audio packet (copied now: the reader reuses its packet).
    public func writeAudio(_ packet: AudioPacket, limit: Double?) throws {
        try rethrow()
        guard let copy = av_packet_clone(packet.packet) else { return }
        let item = Handoff(AudioPacket(packet: copy, shift: packet.shift))
        queue.async { [self] in
            var p: UnsafeMutablePointer<AVPacket>? = item.value.packet
            defer { av_packet_free(&p) }
            run { try writer.writeAudio(item.value, limit: limit) }
        }
    }

    /// Waits for the queued work, then flushes the encoder and moves the file into place.
    public func finish() throws {
        try queue.sync {
            try rethrow()
            try writer.finish()
        }
    }

    /// Waits for the queued work, then removes the partial output.
    public func abort() {
        queue.sync { writer.abort() }
    }

    /// Frames encoded so far (after `finish`, all of them).
    public var framesWritten: Int { queue.sync { writer.framesWritten } }

    private func run(_ body: () throws -> Void) {
        guard failure.withLock({ $0 == nil }) else { return }
        do { try body() } catch { failure.withLock { $0 = error } }
    }

    private func rethrow() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A value handed to the writer's thread and no longer touched by the caller.
private struct Handoff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
