/*
 * SMTP delivery through libcurl, whose SMTP client does STARTTLS, AUTH and
 * MIME multipart for us: a multipart/alternative of a text/plain and a
 * text/html part, both quoted-printable.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "roster/config.h"
#include "roster/smtp_client.h"

/* RFC 2047 "encoded word" for a header with non-ASCII; CR/LF never pass. */
static void
header_encode(char *out, size_t outsz, const char *name, const char *v)
{
	char   b64[1024];
	size_t n = strlen(v), i;
	int    ascii = 1;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] >= 0x80 || v[i] == '\r' || v[i] == '\n')
			ascii = 0;
	if (ascii) {
		snprintf(out, outsz, "%s: %s", name, v);
		return;
	}
	if (n > 600)
		n = 600;
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)v, n,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outsz, "%s: =?UTF-8?B?%s?=", name, b64);
}

int
smtp_send(const struct config *cfg, const struct smtp_msg *m, char *err,
    size_t errsz)
{
	CURL              *c;
	curl_mime         *mime = NULL, *alt = NULL;
	curl_mimepart     *part;
	struct curl_slist *rcpt = NULL, *hdr = NULL, *slist = NULL;
	char               url[320], from[300], to[300], line[1200];
	char               date[64];
	time_t             now = time(NULL);
	struct tm          tm;
	CURLcode           rc;
	int                ret = -1;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl init failed");
		return -1;
	}
	snprintf(url, sizeof(url), "smtp://%s:%d", cfg->smtp_host,
	    cfg->smtp_port);
	snprintf(from, sizeof(from), "<%s>", cfg->smtp_from);
	snprintf(to, sizeof(to), "<%s>", m->to);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (cfg->smtp_starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->smtp_user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
	}

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
	hdr = curl_slist_append(hdr, date);
	snprintf(line, sizeof(line), "From: roster <%s>", cfg->smtp_from);
	hdr = curl_slist_append(hdr, line);
	snprintf(line, sizeof(line), "To: <%s>", m->to);
	hdr = curl_slist_append(hdr, line);
	header_encode(line, sizeof(line), "Subject", m->subject);
	hdr = curl_slist_append(hdr, line);
	/* The same Message-ID on every retry: receivers can drop duplicates. */
	snprintf(line, sizeof(line), "Message-ID: %s", m->message_id);
	hdr = curl_slist_append(hdr, line);
	hdr = curl_slist_append(hdr, "MIME-Version: 1.0");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);

	mime = curl_mime_init(c);
	alt = curl_mime_init(c);
	part = curl_mime_addpart(alt);
	curl_mime_data(part, m->text, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/plain; charset=utf-8");
	curl_mime_encoder(part, "quoted-printable");
	part = curl_mime_addpart(alt);
	curl_mime_data(part, m->html, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/html; charset=utf-8");
	curl_mime_encoder(part, "quoted-printable");
	part = curl_mime_addpart(mime);
	curl_mime_subparts(part, alt);
	curl_mime_type(part, "multipart/alternative");
	slist = curl_slist_append(NULL, "Content-Disposition: inline");
	curl_mime_headers(part, slist, 1);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);

	if ((rc = curl_easy_perform(c)) == CURLE_OK)
		ret = 0;
	else
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_slist_free_all(hdr);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	return ret;
}
