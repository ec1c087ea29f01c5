package io.tilewise.attention.api;

/**
 * The order the rows of q, k, v are in. Geometric methods (gna, radial) need the identity order to map rows to
 * grid coordinates; PARO wrappers pass the permutation id they applied.
 */
public record TokenOrder(String id) {

    public static final TokenOrder IDENTITY = new TokenOrder("identity");

    public TokenOrder {
        if (id == null || id.isBlank()) throw new IllegalArgumentException("token order id must not be blank");
    }

    public boolean isIdentity() {
        return id.equals(IDENTITY.id);
    }
}
