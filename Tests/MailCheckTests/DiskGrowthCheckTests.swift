import Foundation
import Testing

/// check_disk_growth end to end on real filesystems mounted for the test (tmpfs, loop ext4):
/// files are written between runs at replayed times (`MAILCHECK_NOW`), and the projection
/// is checked against a least-squares fit computed here.
@Suite(.serialized, .enabled(if: runningAsRoot, "mounting a tmpfs or a loop ext4 needs root"))
struct DiskGrowthCheckTests {
    static let mebibyte = 1 << 20
    static let hour: Double = 3600

    @Test func tmpfsFillingUpIsForecastExactly() throws {
        try withScratchFilesystem(.tmpfs(options: "size=64m,nr_inodes=1000")) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state, "-w", "50", "-c", "90"]
            let first = try diskGrowth(args, now: diskGrowthEpoch)
            #expect(first.code == 0)
            #expect(first.status == "DISK_GROWTH OK - \(fs.mount) 0% used, collecting samples (1 of 3)")
            #expect(first.perfdata == "used=0B;;;0;67108864 free=67108864B;;;0;67108864 used_pct=0%;50;90;0;100 inodes_used_pct=0.1%;;;0;100")
            try fs.write("a", bytes: 4 * Self.mebibyte)
            let second = try diskGrowth(args, now: diskGrowthEpoch + Self.hour)
            #expect(second.status == "DISK_GROWTH OK - \(fs.mount) 7% used, collecting samples (2 of 3)")
            try fs.write("b", bytes: 4 * Self.mebibyte)
            let third = try diskGrowth(args, now: diskGrowthEpoch + 2 * Self.hour)
            // 4 MiB an hour, 56 MiB left: full 14 hours after the third run, at midnight.
            #expect(third.code == 0, "\(third)")
            #expect(third.status == "DISK_GROWTH OK - \(fs.mount) 13% used, +96 MiB/day, full in 14 hours (2027-01-16)")
            #expect(third.perfdata == "used=8388608B;;;0;67108864 free=58720256B;;;0;67108864 used_pct=12.5%;50;90;0;100 "
                + "inodes_used_pct=0.3%;;;0;100 growth=100663296B time_to_full=50400s;;;0 inodes_growth=24 inodes_time_to_full=3589200s;;;0")
        }
    }

    @Test func projectionFollowsTheWritesWithinOnePercent() throws {
        try withScratchFilesystem(.ext4(megabytes: 64, mkfsArguments: [])) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state, "-v"]
            var times: [Double] = [], used: [Double] = []
            // Uneven writes at uneven times: the fit is a real least-squares line.
            let steps: [(Double, Int)] = [(0, 0), (1.5, 3), (2, 1), (4, 5), (7, 2), (9, 4)]
            var run: PluginRun? = nil
            for (i, (hours, megabytes)) in steps.enumerated() {
                if megabytes > 0 { try fs.write("f\(i)", bytes: megabytes * Self.mebibyte) }
                let now = diskGrowthEpoch + hours * Self.hour
                run = try diskGrowth(args, now: now)
                times.append(now)
                used.append(fs.usage().used)
                #expect(run?.metric("used") == fs.usage().used, "the check must read what statvfs reads: \(String(describing: run))")
            }
            let last = try #require(run)
            #expect(last.code == 0, "\(last)")
            let slope = leastSquaresSlope(times, used)
            let expected = fs.usage().available / slope
            let projected = try #require(last.metric("time_to_full"), "\(last)")
            #expect(abs(projected - expected) / expected < 0.01, "projected \(projected) s, expected \(expected) s")
            let growth = try #require(last.metric("growth"))
            #expect(abs(growth - slope * 86400) / (slope * 86400) < 0.01)
            #expect(last.status.contains(", full in "), "\(last)")
            #expect(last.stdout.contains("\(fs.mount) bytes: +"), "\(last)")
        }
    }

    @Test func inodesRunningOutFirstAreNamed() throws {
        try withScratchFilesystem(.ext4(megabytes: 16, mkfsArguments: ["-N", "256"])) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state, "--days-warning", "30", "--days-critical", "1"]
            var times: [Double] = [], inodes: [Double] = []
            for step in 0..<4 {
                try fs.touch("s\(step)-", count: 30)
                let now = diskGrowthEpoch + Double(step) * 2 * Self.hour
                let run = try diskGrowth(args, now: now)
                times.append(now)
                inodes.append(fs.usage().inodesUsed)
                if step == 3 {
                    let slope = leastSquaresSlope(times, inodes)
                    let expected = fs.usage().inodesAvailable / slope
                    let projected = try #require(run.metric("inodes_time_to_full"), "\(run)")
                    #expect(abs(projected - expected) / expected < 0.01)
                    // 30 inodes every 2 hours and about 125 left (mkfs may round the count up): well
                    // under 30 days, and under one day with mkfs as Debian 12 has it.
                    let (code, word) = projected < 86400 ? (Int32(2), "CRITICAL") : (Int32(1), "WARNING")
                    #expect(run.code == code, "\(run)")
                    #expect(run.status.hasPrefix("DISK_GROWTH \(word) - \(fs.mount) "), "\(run)")
                    #expect(run.status.contains(", inodes full in "), "\(run)")
                    #expect(run.perfdata.contains("inodes_time_to_full=\(Int(projected))s;2592000:;86400:;0"), "\(run)")
                }
            }
        }
    }

    @Test func shrinkingNeverPredictsAFill() throws {
        // 40 MiB leaves room beside the 24 MiB file: a full-sized tmpfs failed that write with
        // ENOSPC now and then while the whole suite ran.
        try withScratchFilesystem(.tmpfs(options: "size=40m")) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state, "--days-warning", "3650", "--days-critical", "365"]
            try fs.write("big", bytes: 24 * Self.mebibyte)
            for step in 0..<3 {
                let run = try diskGrowth(args, now: diskGrowthEpoch + Double(step) * Self.hour)
                if step == 2 {
                    #expect(run.code == 0, "\(run)")
                    #expect(run.status == "DISK_GROWTH OK - \(fs.mount) 20% used, shrinking (-192 MiB/day)", "\(run)")
                    #expect(run.metric("time_to_full") == nil)
                    #expect(run.metric("growth") == -201326592)
                }
                try fs.remove("big")
                try fs.write("big", bytes: (16 - 8 * step) * Self.mebibyte)
            }
        }
    }

    @Test func flatUsageNeverPredictsAFill() throws {
        try withScratchFilesystem(.tmpfs(options: "size=16m")) { fs in
            try fs.write("a", bytes: Self.mebibyte)
            var last: PluginRun? = nil
            for step in 0..<3 {
                last = try diskGrowth(["-p", fs.mount, "--state-dir", fs.state, "--days-critical", "36500"],
                                      now: diskGrowthEpoch + Double(step) * 60)
            }
            let run = try #require(last)
            #expect(run.status == "DISK_GROWTH OK - \(fs.mount) 7% used, flat (+0 B/day)")
            #expect(run.metric("time_to_full") == nil)
        }
    }

    @Test func fullFilesystemIsCriticalAtOnce() throws {
        try withScratchFilesystem(.tmpfs(options: "size=4m")) { fs in
            fs.fill("all")
            let run = try diskGrowth(["-p", fs.mount, "--state-dir", fs.state, "--days-warning", "7", "--days-critical", "2"],
                                     now: diskGrowthEpoch)
            #expect(run.code == 2, "\(run)")
            #expect(run.status == "DISK_GROWTH CRITICAL - \(fs.mount) 100% used, full now, collecting samples (1 of 3)")
            #expect(run.perfdata.contains("time_to_full=0s;604800:;172800:;0"))
        }
    }

    @Test func rateThresholdsTakeByteSuffixes() throws {
        try withScratchFilesystem(.tmpfs(options: "size=64m")) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state, "--rate-warning", "~:40M", "--rate-critical", "~:1G"]
            var last: PluginRun? = nil
            for step in 0..<3 {
                try fs.write("f\(step)", bytes: 2 * Self.mebibyte)
                last = try diskGrowth(args, now: diskGrowthEpoch + Double(step) * Self.hour)
            }
            let run = try #require(last)
            #expect(run.code == 1, "\(run)")
            #expect(run.status.hasPrefix("DISK_GROWTH WARNING - \(fs.mount) 10% used, +48 MiB/day, full in "), "\(run)")
            #expect(run.perfdata.contains("growth=50331648B;~:41943040;~:1073741824 "), "\(run)")
        }
    }

    @Test func resizedFilesystemRestartsTheHistory() throws {
        try withScratchFilesystem(.tmpfs(options: "size=64m")) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state]
            _ = try diskGrowth(args, now: diskGrowthEpoch)
            _ = try diskGrowth(args, now: diskGrowthEpoch + Self.hour)
            try fs.remount("size=128m")
            let run = try diskGrowth(args, now: diskGrowthEpoch + 2 * Self.hour)
            #expect(run.code == 0)
            #expect(run.status == "DISK_GROWTH OK - \(fs.mount) 0% used, collecting samples (1 of 3); filesystem resized from 64 MiB to 128 MiB, history restarted")
            let next = try diskGrowth(args, now: diskGrowthEpoch + 3 * Self.hour)
            #expect(next.status == "DISK_GROWTH OK - \(fs.mount) 0% used, collecting samples (2 of 3)", "reported once")
        }
    }

    @Test func replacedFilesystemRestartsTheHistory() throws {
        try withScratchFilesystem(.ext4(megabytes: 16, mkfsArguments: [])) { fs in
            let args = ["-p", fs.mount, "--state-dir", fs.state]
            _ = try diskGrowth(args, now: diskGrowthEpoch)
            _ = try diskGrowth(args, now: diskGrowthEpoch + Self.hour)
            try fs.replace()
            let run = try diskGrowth(args, now: diskGrowthEpoch + 2 * Self.hour)
            #expect(run.code == 0)
            #expect(run.status.contains("collecting samples (1 of 3); another filesystem is mounted (fsid:"), "\(run)")
            #expect(run.status.hasSuffix("), history restarted"))
        }
    }

    @Test func readOnlyStateDirectoryIsUnknownNamingIt() throws {
        try withScratchFilesystem(.tmpfs(options: "size=1m")) { fs in
            try fs.remount("ro")
            let run = try diskGrowth(["-p", fs.state, "--state-dir", fs.mount])
            #expect(run.code == 3)
            #expect(run.status == "DISK_GROWTH UNKNOWN - state directory \(fs.mount) is not writable: read-only file system (set --state-dir or MAILCHECK_STATE_DIR)")
            #expect(run.metric("used_pct") != nil, "the usage is still measured: \(run)")
        }
    }

    @Test func severalPathsGetNumberedLabels() throws {
        try withScratchFilesystem(.tmpfs(options: "size=64m")) { fs in
            let other = NSTemporaryDirectory()
            let args = ["-p", fs.mount, "-p", other, "--state-dir", fs.state]
            var last: PluginRun? = nil
            for step in 0..<3 {
                try fs.write("f\(step)", bytes: 8 * Self.mebibyte)
                last = try diskGrowth(args, now: diskGrowthEpoch + Double(step) * Self.hour)
            }
            let run = try #require(last)
            #expect(run.code == 0, "\(run)")
            // 8 MiB an hour with 40 MiB left: 5 hours, sooner than any real disk.
            #expect(run.status == "DISK_GROWTH OK - 2 paths, soonest full: \(fs.mount) in 5 hours (2027-01-15)")
            #expect(run.metric("1_time_to_full") == 18000)
            #expect(run.metric("2_used") != nil)
            #expect(run.metric("used") == nil)
            let labels = run.perfdata.split(separator: " ").map { String($0.split(separator: "=")[0].prefix(19)) }
            #expect(Set(labels).count == labels.count, "labels must be unique within 19 characters: \(labels)")
        }
    }
}
