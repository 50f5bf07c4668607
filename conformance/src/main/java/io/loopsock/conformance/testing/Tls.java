package io.loopsock.conformance.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS context for examples that layer the JDK's TLS over loopsock sockets: one self-signed key
 * for {@code localhost}, made once per JVM by the running JDK's own {@code keytool} (the JDK has
 * no public API to make a certificate), used as both the key and the only trusted certificate.
 *
 * <p>Any thread.
 */
public final class Tls {
    private Tls() {}

    private static final char[] PASSWORD = "loopsock".toCharArray();
    private static SSLContext context;

    /**
     * Returns the context, making its key on first use.
     *
     * @return a context whose servers present the key and whose clients trust only it
     * @throws IOException if keytool fails or does not finish within 60 s
     * @throws GeneralSecurityException if the key store cannot be read
     */
    public static synchronized SSLContext context() throws IOException, GeneralSecurityException {
        if (context == null) {
            context = make();
        }
        return context;
    }

    private static SSLContext make() throws IOException, GeneralSecurityException {
        Path dir = Files.createTempDirectory("loopsock-tls");
        Path store = dir.resolve("key.p12");
        Path log = dir.resolve("keytool.log");
        try {
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair",
                    "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("keytool did not finish within 60 s");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while keytool ran", e);
            }
            if (process.exitValue() != 0) {
                throw new IOException("keytool failed (exit " + process.exitValue() + "): " + Files.readString(log));
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, PASSWORD);
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, PASSWORD);
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(keys);
            SSLContext made = SSLContext.getInstance("TLSv1.3");
            made.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return made;
        } finally {
            Files.deleteIfExists(store);
            Files.deleteIfExists(log);
            Files.deleteIfExists(dir);
        }
    }
}
