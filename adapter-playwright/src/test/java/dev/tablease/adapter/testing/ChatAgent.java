package dev.tablease.adapter.testing;

import com.microsoft.playwright.Page;
import dev.tablease.adapter.TabLease;

import java.net.URI;

/**
 * What an agent does with the fake chat app ({@link ChatServer}): send a prompt, poll the answer. Short
 * Playwright calls only, each under the lease ({@link TabLease#call}). Used by the demo and the adapter's tests.
 */
public final class ChatAgent {

    private ChatAgent() {
    }

    /** Opens the app, sends {@code prompt}, and records the new conversation URL (a fenced write). @return it */
    public static String send(TabLease lease, URI base, String prompt) {
        String url = lease.call(page -> {
            page.navigate(base.toString());
            page.fill("#prompt", prompt);
            page.click("#send");
            page.waitForURL("**/c/*", new Page.WaitForURLOptions().setTimeout(10_000));
            return page.url();
        });
        lease.setConversationUrl(url);
        return url;
    }

    /**
     * Polls until the answer is complete (at most {@code timeoutMillis}).
     *
     * @return the answer
     * @throws IllegalStateException when the answer is not complete in time
     */
    public static String poll(TabLease lease, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            String[] r = lease.call(page -> new String[]{page.textContent("#status"), page.textContent("#answer")});
            if ("done".equals(r[0])) {
                return r[1];
            }
            Thread.sleep(80);
        }
        throw new IllegalStateException("the answer did not complete in " + timeoutMillis + " ms");
    }
}
