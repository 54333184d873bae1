package dev.twoway.server;

import java.util.Set;

/**
 * Who is calling, as established by an API key or a verified JWT.
 *
 * @param name  the key's name or the token's subject; recorded as the actor of what they do ({@code user:<name>})
 * @param role  what they may do
 * @param syncs the syncs they may see and act on; empty for all
 * @param via   {@code api-key} or {@code jwt}
 */
public record Principal(String name, Role role, Set<String> syncs, String via) {
    public Principal {
        syncs = Set.copyOf(syncs);
    }

    public boolean canSee(String sync) {
        return syncs.isEmpty() || syncs.contains(sync);
    }
}
