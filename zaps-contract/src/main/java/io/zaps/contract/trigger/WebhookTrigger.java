package io.zaps.contract.trigger;

/**
 * {@code {"type": "webhook", "auth": "hmac", "secret": "{{ secret('shop-hook') }}"}}: {@code POST /hooks/{workflow_id}}
 * on the gateway starts a run whose context is the request ({@code body}, {@code headers}, {@code query}).
 *
 * @param auth                   {@code token}: the secret value must arrive in header {@link #header()};
 *                               {@code hmac}: {@link #header()} carries {@code sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>}
 *                               and {@link #TIMESTAMP_HEADER} the Unix time in seconds, within {@code toleranceSeconds} of
 *                               the gateway's clock; a signature is accepted once (replays are refused)
 * @param secretName             the credential-store name the {@code secret} reference points to
 * @param header                 the header holding the token or the signature
 * @param toleranceSeconds       how far the timestamp may be from now (hmac)
 * @param respond                {@code accepted}: answer 202 with the run id at once; {@code on_completion}: wait up to
 *                               {@code responseTimeoutSeconds} and answer with the run's last step output (202 when it takes longer)
 * @param responseTimeoutSeconds the bound of {@code on_completion}
 */
public record WebhookTrigger(String auth, String secretName, String header, int toleranceSeconds, String respond,
                             int responseTimeoutSeconds) implements TriggerSpec {
    public static final String TYPE = "webhook";
    public static final String AUTH_TOKEN = "token";
    public static final String AUTH_HMAC = "hmac";
    public static final String RESPOND_ACCEPTED = "accepted";
    public static final String RESPOND_ON_COMPLETION = "on_completion";
    public static final String TOKEN_HEADER = "X-Zaps-Token";
    public static final String SIGNATURE_HEADER = "X-Zaps-Signature";
    public static final String TIMESTAMP_HEADER = "X-Zaps-Timestamp";
    public static final int DEFAULT_TOLERANCE_SECONDS = 300;
    public static final int DEFAULT_RESPONSE_TIMEOUT_SECONDS = 30;

    @Override
    public String type() {
        return TYPE;
    }

    public boolean hmac() {
        return AUTH_HMAC.equals(auth);
    }

    public boolean respondOnCompletion() {
        return RESPOND_ON_COMPLETION.equals(respond);
    }
}
