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

/* RFC 2047, section 2: a word's own limit, and its line's. */
#define HDR_WORD_MAX 75
#define HDR_LINE_MAX 76
/* "=?UTF-8?B?" and "?=" around the base64 text. */
#define HDR_WORD_FRAME 12

/* The byte length of the UTF-8 character at s (1 for a stray byte). */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1, i;

	if (n > left)
		return 1;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

int
smtp_header_encode(char *out, size_t outsz, const char *name, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t               n = strlen(v), i, at, take, c, room, len, lead;
	char                 b64[HDR_WORD_MAX], plain[HDR_WORD_MAX];
	int                  ascii = 1, w;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			ascii = 0;
	if (ascii) {
		w = snprintf(out, outsz, "%s: %s", name, v);
		return w < 0 || (size_t)w >= outsz ? -1 : 0;
	}
	w = snprintf(out, outsz, "%s:", name);
	if (w < 0 || (size_t)w >= outsz)
		return -1;
	len = (size_t)w;
	/* What precedes a word on its line: "Name: ", then one blank. */
	lead = len + 1;
	for (at = 0; at < n; at += take) {
		/*
		 * As many whole characters as the line has room for: base64
		 * makes 4 characters of 3 bytes.  A header name too long to
		 * leave room for one folds before the first word.
		 */
		room = lead + HDR_WORD_FRAME + 4 < HDR_LINE_MAX ?
		    (HDR_LINE_MAX - lead - HDR_WORD_FRAME) / 4 * 3 :
		    0;
		if (room < 4) {
			lead = 1;
			room = (HDR_LINE_MAX - lead - HDR_WORD_FRAME) / 4 * 3;
		}
		for (take = 0; at + take < n; take += c) {
			c = utf8_len(s + at + take, n - at - take);
			if (take + c > room)
				break;
		}
		memcpy(plain, v + at, take);
		/* A line break in a value would end the header. */
		for (i = 0; i < take; i++)
			if (plain[i] == '\r' || plain[i] == '\n')
				plain[i] = ' ';
		sodium_bin2base64(b64, sizeof(b64), (unsigned char *)plain,
		    take, sodium_base64_VARIANT_ORIGINAL);
		w = snprintf(out + len, outsz - len,
		    "%s=?UTF-8?B?%s?=", lead == 1 ? "\r\n " : " ", b64);
		if (w < 0 || (size_t)w >= outsz - len)
			return -1;
		len += (size_t)w;
		lead = 1;
	}
	return 0;
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
	char               subject[SMTP_HEADER_MAX];
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
	if (smtp_header_encode(subject, sizeof(subject), "Subject",
		m->subject) != 0) {
		snprintf(err, errsz, "subject too long");
		curl_slist_free_all(rcpt);
		curl_slist_free_all(hdr);
		curl_easy_cleanup(c);
		return -1;
	}
	hdr = curl_slist_append(hdr, subject);
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
