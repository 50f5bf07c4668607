package io.loopsock.unix.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.ErrorCode;
import io.loopsock.LoopsockOptions;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The platform tables of the shared core: each number as the headers define it, checked here on
 * Linux for every platform (the BSD ones are never run on their own kernels in this build).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PlatformTablesTest {

    /** {@code _IOR(g, n, t)} of the BSDs' sys/ioccom.h: IOC_OUT | (sizeof(t) & IOCPARM_MASK) << 16 | g << 8 | n. */
    private static long ior(char group, int number, int size) {
        long iocOut = 0x40000000L;
        int iocparmMask = 0x1fff;
        return iocOut | ((long) (size & iocparmMask) << 16) | ((long) group << 8) | number;
    }

    @Test
    void bsdIoctlRequestsAreTheirIorEncodings() {
        assertThat(Ioctl.BSD_FIONREAD).isEqualTo(ior('f', 127, Integer.BYTES)).isEqualTo(0x4004667FL);
        assertThat(Ioctl.FREEBSD_FIONWRITE).isEqualTo(ior('f', 119, Integer.BYTES));
    }

    @Test
    void fionreadIsThePlatformsOwn() {
        assertThat(Ioctl.fionread(Platform.LINUX)).isEqualTo(0x541B);
        assertThat(Ioctl.fionread(Platform.MACOS)).isEqualTo(0x4004667FL);
        assertThat(Ioctl.fionread(Platform.FREEBSD)).isEqualTo(0x4004667FL);
    }

    @Test
    void linuxKeepsItsNumbersOnThisMachine() {
        assertThat(Platform.CURRENT).isEqualTo(Platform.LINUX);
        assertThat(Ioctl.FIONREAD).isEqualTo(0x541B);
        assertThat(Ioctl.SIOCOUTQ).isEqualTo(0x5411);
        assertThat(UnixOptions.IPV6_V6ONLY).isEqualTo(26);
        assertThat(UnixErrors.code(104)).isEqualTo(ErrorCode.ECONNRESET);
        assertThat(UnixErrors.code(-111)).isEqualTo(ErrorCode.ECONNREFUSED);
        assertThat(UnixErrors.code(54)).isEqualTo(ErrorCode.UNKNOWN);
    }

    @Test
    void macosSendQueueIsReadWithSoNwrite() {
        assertThat(Ioctl.BSD_SOL_SOCKET).isEqualTo(0xFFFF);
        assertThat(Ioctl.MACOS_SO_NWRITE).isEqualTo(0x1024);
    }

    @Test
    void osNamesChooseThePlatform() {
        assertThat(Platform.of("Linux")).isEqualTo(Platform.LINUX);
        assertThat(Platform.of("Mac OS X")).isEqualTo(Platform.MACOS);
        assertThat(Platform.of("Darwin")).isEqualTo(Platform.MACOS);
        assertThat(Platform.of("FreeBSD")).isEqualTo(Platform.FREEBSD);
        assertThat(Platform.of("SunOS")).isEqualTo(Platform.LINUX);
        assertThat(Platform.LINUX.isBsd()).isFalse();
        assertThat(Platform.MACOS.isBsd()).isTrue();
        assertThat(Platform.FREEBSD.isBsd()).isTrue();
    }

    @Test
    void bsdErrnoValuesAreTheHeaders() {
        for (Platform bsd : List.of(Platform.MACOS, Platform.FREEBSD)) {
            Map<Integer, ErrorCode> table = UnixErrors.table(bsd);
            assertThat(table).containsEntry(54, ErrorCode.ECONNRESET)
                    .containsEntry(32, ErrorCode.EPIPE)
                    .containsEntry(61, ErrorCode.ECONNREFUSED)
                    .containsEntry(48, ErrorCode.EADDRINUSE)
                    .containsEntry(49, ErrorCode.EADDRNOTAVAIL)
                    .containsEntry(57, ErrorCode.ENOTCONN)
                    .containsEntry(60, ErrorCode.ETIMEDOUT)
                    .containsEntry(35, ErrorCode.EAGAIN)
                    .containsEntry(37, ErrorCode.EALREADY)
                    .containsEntry(56, ErrorCode.EISCONN)
                    .containsEntry(53, ErrorCode.ECONNABORTED)
                    .containsEntry(55, ErrorCode.ENOBUFS)
                    .containsEntry(45, ErrorCode.ENOTSUP)
                    .containsEntry(42, ErrorCode.ENOPROTOOPT)
                    .containsEntry(65, ErrorCode.EHOSTUNREACH)
                    .containsEntry(51, ErrorCode.ENETUNREACH)
                    .containsEntry(24, ErrorCode.EMFILE)
                    .containsEntry(9, ErrorCode.EBADF)
                    .containsEntry(22, ErrorCode.EINVAL);
        }
    }

    @Test
    void macosAndFreebsdDifferAfter84() {
        Map<Integer, ErrorCode> macos = UnixErrors.table(Platform.MACOS);
        Map<Integer, ErrorCode> freebsd = UnixErrors.table(Platform.FREEBSD);
        assertThat(macos).containsEntry(89, ErrorCode.ECANCELED).containsEntry(92, ErrorCode.EILSEQ)
                .containsEntry(100, ErrorCode.EPROTO).containsEntry(96, ErrorCode.ENODATA)
                .containsEntry(102, ErrorCode.ENOTSUP);
        assertThat(freebsd).containsEntry(85, ErrorCode.ECANCELED).containsEntry(86, ErrorCode.EILSEQ)
                .containsEntry(92, ErrorCode.EPROTO).doesNotContainKey(102).doesNotContainValue(ErrorCode.ENODATA);
    }

    /**
     * An errno table is a function by construction; it must also be injective, so that a code
     * never hides which number the kernel gave, except where the kernel itself has two numbers
     * for one error: macOS's EOPNOTSUPP (102) beside ENOTSUP (45).
     */
    @ParameterizedTest
    @EnumSource(Platform.class)
    void errnoTablesAreInjectiveButForKernelAliases(Platform platform) {
        Map<ErrorCode, List<Integer>> numbers = UnixErrors.table(platform).entrySet().stream()
                .collect(Collectors.groupingBy(Map.Entry::getValue,
                        Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
        Map<ErrorCode, List<Integer>> aliases = new HashMap<>(numbers);
        aliases.values().removeIf(list -> list.size() == 1);
        if (platform == Platform.MACOS) {
            assertThat(aliases).containsOnlyKeys(ErrorCode.ENOTSUP);
            assertThat(aliases.get(ErrorCode.ENOTSUP)).containsExactlyInAnyOrder(45, 102);
        } else {
            assertThat(aliases).isEmpty();
        }
        assertThat(numbers).doesNotContainKey(ErrorCode.UNKNOWN);
    }

    @Test
    void everyBsdCodeHasALinuxNumberToo() {
        // The BSD tables map what Linux maps (less its own ENONET and EREMOTEIO), so a scenario
        // gives the same code on either kernel.
        Set<ErrorCode> linux = Set.copyOf(UnixErrors.table(Platform.LINUX).values());
        for (Platform bsd : List.of(Platform.MACOS, Platform.FREEBSD)) {
            Set<ErrorCode> codes = new java.util.HashSet<>(UnixErrors.table(bsd).values());
            codes.removeAll(linux);
            assertThat(codes).isSubsetOf(ErrorCode.EFTYPE, ErrorCode.ENODATA);
        }
    }

    @Test
    void strerrorTextsArePerLibc() {
        assertThat(UnixErrors.strerror(Platform.LINUX, ErrorCode.ENOTCONN)).isEqualTo("transport endpoint is not connected");
        assertThat(UnixErrors.strerror(Platform.MACOS, ErrorCode.ENOTCONN)).isEqualTo("socket is not connected");
        assertThat(UnixErrors.strerror(Platform.FREEBSD, ErrorCode.EINVAL)).isEqualTo("invalid argument");
    }

    @Test
    void linuxOptionsKeepTheirLevelsAndNames() {
        Map<SocketOption<?>, UnixOptions.Raw> raw = UnixOptions.raw(Platform.LINUX);
        assertThat(raw).containsExactly(
                Map.entry(ExtendedSocketOptions.TCP_KEEPIDLE, new UnixOptions.Raw(6, 4)),
                Map.entry(ExtendedSocketOptions.TCP_KEEPINTERVAL, new UnixOptions.Raw(6, 5)),
                Map.entry(ExtendedSocketOptions.TCP_KEEPCOUNT, new UnixOptions.Raw(6, 6)),
                Map.entry(ExtendedSocketOptions.TCP_QUICKACK, new UnixOptions.Raw(6, 12)),
                Map.entry(ExtendedSocketOptions.SO_INCOMING_NAPI_ID, new UnixOptions.Raw(1, 56)),
                Map.entry(LoopsockOptions.TCP_CORK, new UnixOptions.Raw(6, 3)),
                Map.entry(LoopsockOptions.TCP_USER_TIMEOUT, new UnixOptions.Raw(6, 18)),
                Map.entry(LoopsockOptions.TCP_NOTSENT_LOWAT, new UnixOptions.Raw(6, 25)));
        assertThat(UnixOptions.multicast(Platform.LINUX)).isEqualTo(new UnixOptions.Multicast(33, 34, 18, 19));
        assertThat(UnixOptions.TCP).isEqualTo(UnixOptions.tcp(Platform.LINUX));
    }

    @Test
    void macosOptionsMapToItsLevelsAndNames() {
        assertThat(UnixOptions.raw(Platform.MACOS)).containsExactly(
                Map.entry(ExtendedSocketOptions.TCP_KEEPIDLE, new UnixOptions.Raw(6, 0x10)),
                Map.entry(ExtendedSocketOptions.TCP_KEEPINTERVAL, new UnixOptions.Raw(6, 0x101)),
                Map.entry(ExtendedSocketOptions.TCP_KEEPCOUNT, new UnixOptions.Raw(6, 0x102)),
                Map.entry(LoopsockOptions.TCP_CORK, new UnixOptions.Raw(6, 4)),
                Map.entry(LoopsockOptions.TCP_NOTSENT_LOWAT, new UnixOptions.Raw(6, 0x201)));
        assertThat(UnixOptions.multicast(Platform.MACOS)).isEqualTo(new UnixOptions.Multicast(10, 11, 10, 11));
        assertThat(UnixOptions.ipv6Only(Platform.MACOS)).isEqualTo(27);
    }

    @Test
    void freebsdOptionsMapToItsLevelsAndNames() {
        assertThat(UnixOptions.raw(Platform.FREEBSD)).containsExactly(
                Map.entry(ExtendedSocketOptions.TCP_KEEPIDLE, new UnixOptions.Raw(6, 256)),
                Map.entry(ExtendedSocketOptions.TCP_KEEPINTERVAL, new UnixOptions.Raw(6, 512)),
                Map.entry(ExtendedSocketOptions.TCP_KEEPCOUNT, new UnixOptions.Raw(6, 1024)),
                Map.entry(LoopsockOptions.TCP_CORK, new UnixOptions.Raw(6, 4)));
        assertThat(UnixOptions.multicast(Platform.FREEBSD)).isEqualTo(new UnixOptions.Multicast(10, 11, 10, 11));
        assertThat(UnixOptions.ipv6Only(Platform.FREEBSD)).isEqualTo(27);
    }

    @Test
    void optionsAreListedOnlyWhereThePlatformHasThem() {
        Set<SocketOption<?>> linux = UnixOptions.tcp(Platform.LINUX);
        Set<SocketOption<?>> macos = UnixOptions.tcp(Platform.MACOS);
        Set<SocketOption<?>> freebsd = UnixOptions.tcp(Platform.FREEBSD);
        assertThat(linux).contains(LoopsockOptions.TCP_USER_TIMEOUT, ExtendedSocketOptions.TCP_QUICKACK,
                ExtendedSocketOptions.SO_INCOMING_NAPI_ID, LoopsockOptions.TCP_NOTSENT_LOWAT);
        assertThat(macos).doesNotContain(LoopsockOptions.TCP_USER_TIMEOUT, ExtendedSocketOptions.TCP_QUICKACK,
                ExtendedSocketOptions.SO_INCOMING_NAPI_ID).contains(LoopsockOptions.TCP_NOTSENT_LOWAT);
        assertThat(freebsd).doesNotContain(LoopsockOptions.TCP_USER_TIMEOUT, ExtendedSocketOptions.TCP_QUICKACK,
                ExtendedSocketOptions.SO_INCOMING_NAPI_ID, LoopsockOptions.TCP_NOTSENT_LOWAT);
        for (Set<SocketOption<?>> options : List.of(linux, macos, freebsd)) {
            // The options Netty sets with its own (per-platform compiled) setters, everywhere.
            assertThat(options).startsWith(StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
                    StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_LINGER,
                    StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.IP_TOS);
            assertThat(options).contains(ExtendedSocketOptions.TCP_KEEPIDLE, LoopsockOptions.TCP_CORK);
        }
    }

    @Test
    void noTwoOptionsShareALevelAndName() {
        for (Platform platform : Platform.values()) {
            assertThat(Set.copyOf(UnixOptions.raw(platform).values())).hasSameSizeAs(UnixOptions.raw(platform).values());
        }
    }
}
