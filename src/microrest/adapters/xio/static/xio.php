<?php
// xio PHP client: one file, PHP's stream functions only (no curl extension needed).
// Served by every xio app at /_xio/xio.php.
//
//   require 'xio.php';
//   $api = new XioClient('http://127.0.0.1:8080');
//   $result = $api->get('items/1', ['q' => 'x']);  // ['status', 'headers', 'content_type', 'content']
//
// Verbs: get, post, put, patch, delete, head, options, about, api, and
// request($method, $path, $payload, $headers). GET and HEAD send the payload as the query string,
// the other verbs as the body (JSON for arrays, text for strings). A custom method travels as
// POST with an XIO-method header. Content is JSON-decoded (associative arrays) for
// application/json*, the raw string otherwise.

class XioClient
{
    const STANDARD = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

    private $baseUrl;
    private $headers;
    private $timeout;

    public function __construct($baseUrl, $headers = [], $timeout = 30)
    {
        $this->baseUrl = rtrim($baseUrl, '/');
        $this->headers = $headers;
        $this->timeout = $timeout;
    }

    public function request($method, $path = '', $payload = null, $headers = [])
    {
        $verb = strtoupper($method);
        $send = array_merge($this->headers, $headers);
        if (!in_array($verb, self::STANDARD, true)) {
            $send['XIO-method'] = $verb;
            $verb = 'POST';
        }
        $url = $this->baseUrl . '/' . ltrim($path, '/');
        $body = null;
        if ($payload !== null) {
            if ($verb === 'GET' || $verb === 'HEAD') {
                $url .= (strpos($url, '?') === false ? '?' : '&') . http_build_query($payload);
            } elseif (is_string($payload)) {
                $body = $payload;
                if (!isset($send['Content-Type'])) {
                    $send['Content-Type'] = 'text/plain; charset=utf-8';
                }
            } else {
                $body = json_encode($payload);
                $send['Content-Type'] = 'application/json';
            }
        }
        $lines = [];
        foreach ($send as $name => $value) {
            $lines[] = $name . ': ' . $value;
        }
        $http = [
            'method' => $verb,
            'header' => implode("\r\n", $lines),
            'ignore_errors' => true,
            'timeout' => $this->timeout,
            'protocol_version' => 1.1,
        ];
        if ($body !== null) {
            $http['content'] = $body;
        }
        $context = stream_context_create(['http' => $http]);
        $stream = @fopen($url, 'r', false, $context);
        if ($stream === false) {
            return ['status' => 502, 'headers' => [], 'content_type' => null,
                    'content' => 'cannot reach ' . $url];
        }
        $meta = stream_get_meta_data($stream);
        $raw = stream_get_contents($stream);
        fclose($stream);
        $status = 0;
        $headersOut = [];
        foreach ($meta['wrapper_data'] as $line) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $match)) {
                $status = (int) $match[1];
                $headersOut = [];
            } elseif (strpos($line, ':') !== false) {
                list($name, $value) = explode(':', $line, 2);
                $headersOut[strtolower(trim($name))] = trim($value);
            }
        }
        $type = isset($headersOut['content-type']) ? $headersOut['content-type'] : null;
        $media = strtolower(trim(explode(';', (string) $type)[0]));
        $content = $raw;
        if ($verb === 'HEAD') {
            $content = null;
        } elseif ($media === 'application/json' || preg_match('#^application/.+\+json$#', $media)) {
            $content = $raw === '' ? null : json_decode($raw, true);
        }
        return ['status' => $status, 'headers' => $headersOut, 'content_type' => $type,
                'content' => $content];
    }

    public function get($path = '', $query = null, $headers = []) { return $this->request('GET', $path, $query, $headers); }
    public function head($path = '', $query = null, $headers = []) { return $this->request('HEAD', $path, $query, $headers); }
    public function post($path = '', $data = null, $headers = []) { return $this->request('POST', $path, $data, $headers); }
    public function put($path = '', $data = null, $headers = []) { return $this->request('PUT', $path, $data, $headers); }
    public function patch($path = '', $data = null, $headers = []) { return $this->request('PATCH', $path, $data, $headers); }
    public function delete($path = '', $data = null, $headers = []) { return $this->request('DELETE', $path, $data, $headers); }
    public function options($path = '', $headers = []) { return $this->request('OPTIONS', $path, null, $headers); }
    public function about($path = '', $headers = []) { return $this->request('ABOUT', $path, null, $headers); }
    public function api($path = '', $headers = []) { return $this->request('API', $path, null, $headers); }
}
