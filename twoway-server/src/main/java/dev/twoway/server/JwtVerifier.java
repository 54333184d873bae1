package dev.twoway.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies OAuth2 / OIDC bearer tokens (JWT) with nimbus-jose-jwt: the signature against a shared secret (HS256) or
 * the issuer's published keys (JWKS URL; RS256/ES256), then issuer, audience and expiry (60 s of clock skew
 * allowed). The role is the highest twoway role named in the roles claim; a token naming none is refused.
 */
public final class JwtVerifier {

    /**
     * @param secret     HS256 shared secret (at least 32 bytes), or {@code null} when {@code jwksUrl} is used
     * @param jwksUrl    where the issuer publishes its keys, or {@code null}
     * @param rolesClaim the claim holding the roles (a string or a list), e.g. {@code roles}
     * @param syncsClaim the claim limiting the syncs the caller may see (a list), or {@code null}
     */
    public record Settings(String secret, String jwksUrl, String issuer, String audience, String rolesClaim, String syncsClaim) {
        public Settings {
            if ((secret == null) == (jwksUrl == null)) throw new IllegalArgumentException("give the JWT secret or the JWKS URL (one of them)");
            if (secret != null && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
                throw new IllegalArgumentException("the JWT secret must be at least 32 bytes (HS256)");
            }
            if (issuer == null || audience == null) throw new IllegalArgumentException("JWT verification needs the expected issuer and audience");
            rolesClaim = rolesClaim == null ? "roles" : rolesClaim;
        }

        @Override
        public String toString() {
            return "Settings[secret=" + (secret == null ? "none" : "***") + ", jwksUrl=" + jwksUrl + ", issuer=" + issuer + ", audience=" + audience + "]";
        }
    }

    private final Settings settings;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public JwtVerifier(Settings settings) {
        this.settings = settings;
        JWKSource<SecurityContext> keys;
        Set<JWSAlgorithm> algorithms;
        if (settings.secret() != null) {
            keys = new ImmutableSecret<>(settings.secret().getBytes(StandardCharsets.UTF_8));
            algorithms = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
        } else {
            try {
                keys = JWKSourceBuilder.create(URI.create(settings.jwksUrl()).toURL()).build();
            } catch (MalformedURLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("JWKS URL '" + settings.jwksUrl() + "' is not a URL", e);
            }
            algorithms = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.PS256);
        }
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(settings.audience(),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(), new HashSet<>(List.of("sub", "exp")));
        claims.setMaxClockSkew(60);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** The caller, or empty with the reason (for the log, never for the response) if the token is not acceptable. */
    public Result verify(String token) {
        try {
            JWTClaimsSet c = processor.process(token, null);
            Optional<Role> role = roles(c).stream().map(Role::parse).flatMap(Optional::stream).max(Enum::compareTo);
            if (role.isEmpty()) return Result.refused("token of '" + c.getSubject() + "' names no twoway role in claim '" + settings.rolesClaim() + "'");
            Set<String> syncs = settings.syncsClaim() == null || c.getClaim(settings.syncsClaim()) == null ? Set.of()
                    : Set.copyOf(c.getStringListClaim(settings.syncsClaim()));
            return new Result(Optional.of(new Principal(c.getSubject(), role.get(), syncs, "jwt")), null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            return Result.refused(e.getMessage());
        }
    }

    /** A verification's outcome. */
    public record Result(Optional<Principal> principal, String reason) {
        static Result refused(String reason) {
            return new Result(Optional.empty(), reason);
        }
    }

    private List<String> roles(JWTClaimsSet c) throws ParseException {
        Object v = c.getClaim(settings.rolesClaim());
        if (v instanceof String s) return List.of(s.split("[ ,]+"));
        if (v instanceof List<?>) return new ArrayList<>(c.getStringListClaim(settings.rolesClaim()));
        return List.of();
    }
}
