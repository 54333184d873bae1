package dev.twoway.http;

/**
 * How a resource's list request is paged.
 *
 * <ul>
 *   <li>{@code PAGE}: {@code ?<page-param>=1&<size-param>=100}, then 2, 3… until a page holds fewer items than the size</li>
 *   <li>{@code OFFSET}: {@code ?<offset-param>=0&<size-param>=100}, then 100, 200…</li>
 *   <li>{@code LINK}: the first request carries {@code <size-param>}; the next page is the {@code rel="next"} URL of
 *       the response's {@code Link} header (RFC 8288), until there is none</li>
 *   <li>{@code CURSOR}: the next page's cursor is read from the response body at {@code cursorPointer} and sent as
 *       {@code ?<cursor-param>=…}, until it is missing or empty</li>
 *   <li>{@code NONE}: the list request answers every item at once</li>
 * </ul>
 */
public record Paging(Style style, String pageParam, String sizeParam, int size, int firstPage, String cursorParam, String cursorPointer) {

    public enum Style { PAGE, OFFSET, LINK, CURSOR, NONE }

    public Paging {
        if (size < 1) size = 100;
        if (pageParam == null) pageParam = style == Style.OFFSET ? "offset" : "page";
        if (sizeParam == null) sizeParam = "limit";
        if (cursorParam == null) cursorParam = "after";
    }

    public static Paging page(String pageParam, String sizeParam, int size) {
        return new Paging(Style.PAGE, pageParam, sizeParam, size, 1, null, null);
    }

    public static Paging link(String sizeParam, int size) {
        return new Paging(Style.LINK, null, sizeParam, size, 1, null, null);
    }

    public static Paging offset(String offsetParam, String sizeParam, int size) {
        return new Paging(Style.OFFSET, offsetParam, sizeParam, size, 0, null, null);
    }

    public static Paging cursor(String cursorParam, String cursorPointer, String sizeParam, int size) {
        return new Paging(Style.CURSOR, null, sizeParam, size, 1, cursorParam, cursorPointer);
    }
}
