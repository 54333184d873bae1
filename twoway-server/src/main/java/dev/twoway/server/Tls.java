package dev.twoway.server;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's certificate and key, from PEM files (a certificate chain and a PKCS#8 private key) or a PKCS#12
 * keystore, loaded once at start so a bad file stops {@code twoway run} with a message instead of failing the first
 * handshake. Parsing and the TLS itself are the JDK's and Jetty's; this class only reads the files.
 */
public final class Tls {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final char[] IN_MEMORY_PASSWORD = "twoway".toCharArray();

    private final KeyStore keyStore;
    private final char[] password;
    private final X509Certificate certificate;

    private Tls(KeyStore keyStore, char[] password, X509Certificate certificate) {
        this.keyStore = keyStore;
        this.password = password;
        this.certificate = certificate;
    }

    /** The certificate the server presents (for the start log line and tests). */
    public X509Certificate certificate() {
        return certificate;
    }

    /** A certificate chain (leaf first) and its private key, both PEM. */
    public static Tls fromPem(Path certificateFile, Path keyFile) {
        List<Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certificateFile)) {
            chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS certificate " + certificateFile + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(certificateFile + " holds no PEM certificate (-----BEGIN CERTIFICATE-----): " + e.getMessage(), e);
        }
        if (chain.isEmpty()) throw new IllegalArgumentException(certificateFile + " holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        PrivateKey key = privateKey(keyFile, chain.getFirst());
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("twoway", key, IN_MEMORY_PASSWORD, chain.toArray(Certificate[]::new));
            return new Tls(ks, IN_MEMORY_PASSWORD, (X509Certificate) chain.getFirst());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the key in " + keyFile + " does not fit the certificate in " + certificateFile + ": " + e.getMessage(), e);
        }
    }

    /** A PKCS#12 keystore holding one private key with its certificate chain. */
    public static Tls fromKeystore(Path keystoreFile, String password) {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try (InputStream in = Files.newInputStream(keystoreFile)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
            X509Certificate cert = null;
            for (String alias : java.util.Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                    if (cert != null) throw new IllegalArgumentException(keystoreFile + " holds more than one private key; keep only the server's");
                    cert = c;
                }
            }
            if (cert == null) throw new IllegalArgumentException(keystoreFile + " holds no private key with a certificate");
            return new Tls(ks, pw, cert);
        } catch (IOException e) {
            String why = e.getCause() instanceof java.security.UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")
                    ? "wrong password" : e.getMessage();
            throw new IllegalArgumentException("cannot open the keystore " + keystoreFile + ": " + why, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot open the keystore " + keystoreFile + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path keyFile, Certificate forCertificate) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS key " + keyFile + ": " + e.getMessage(), e);
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("PRIVATE KEY")) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                String algorithm = forCertificate.getPublicKey().getAlgorithm();
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException(keyFile + " is not a " + algorithm + " key fitting the certificate: " + e.getMessage(), e);
                }
            }
            if (type.equals("RSA PRIVATE KEY") || type.equals("EC PRIVATE KEY") || type.equals("ENCRYPTED PRIVATE KEY")) {
                throw new IllegalArgumentException(keyFile + " is a " + type + " (" + (type.startsWith("ENCRYPTED") ? "encrypted" : "PKCS#1/SEC1")
                        + "); twoway reads unencrypted PKCS#8 keys: convert it with openssl pkcs8 -topk8 -nocrypt -in " + keyFile.getFileName()
                        + " -out key-pkcs8.pem, or use a PKCS#12 keystore");
            }
        }
        throw new IllegalArgumentException(keyFile + " holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)");
    }

    /** A Jetty connector serving HTTPS (TLS 1.2 and 1.3 only) on {@code host:port}. */
    ServerConnector connector(Server server, HttpConfiguration base, String host, int port) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore);
        ssl.setKeyStorePassword(new String(password));
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        HttpConfiguration https = new HttpConfiguration(base);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false); // clients reach it by IP or by any of its names
        https.addCustomizer(secure);
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
        c.setHost(host);
        c.setPort(port);
        return c;
    }

    @Override
    public String toString() {
        return "Tls[" + certificate.getSubjectX500Principal().getName() + "]";
    }
}
